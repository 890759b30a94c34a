import type { Command } from 'commander';
import { CliError, printJson, printTable, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

interface KeyOptions {
  databaseUrl?: string;
}

/**
 * The key store lives with the api (`@kaygraph/api/keys`); these commands are the operator's tool
 * and write the database directly, so they work before any key exists (the first admin key).
 * Loaded only when a keys command runs: the rest of the CLI needs no database driver.
 */
async function withKeyStore<T>(
  session: CliSession,
  options: KeyOptions,
  run: (
    store: typeof import('@kaygraph/api/keys'),
    sql: import('@kaygraph/db').Connection['sql'],
  ) => Promise<T>,
): Promise<T> {
  const databaseUrl = options.databaseUrl ?? session.env.databaseUrl;
  if (!databaseUrl) {
    throw new CliError(
      'BAD_REQUEST',
      'keys commands talk to the database: pass --database-url or set DATABASE_URL',
      2,
    );
  }
  const [store, { connect }] = await Promise.all([import('@kaygraph/api/keys'), import('@kaygraph/db')]);
  const connection = connect(databaseUrl, { max: 1, applicationName: 'kaygraph-cli' });
  try {
    return await run(store, connection.sql);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === '42P01')
      throw new CliError(
        'UNAVAILABLE',
        'the database has no api_keys table: run the migrations (npm run migrate)',
      );
    if (code === 'ECONNREFUSED')
      throw new CliError('UNREACHABLE', `cannot reach the database at ${redact(databaseUrl)}`);
    throw new CliError('ERROR', error instanceof Error ? error.message : String(error));
  } finally {
    await connection.close();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

export function registerKeyCommands(program: Command, session: CliSession): void {
  const keys = program
    .command('keys')
    .description('API keys (straight in the database: DATABASE_URL or --database-url)')
    .option('--database-url <url>', 'the PostgreSQL the api uses');

  keys
    .command('create')
    .description('create a key; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--owner <owner>', 'whose tasks it acts for (default: the name)')
    .option('--admin', "sees and manages every owner's tasks")
    .option('--rate-limit <per_minute>', 'submissions per minute for this key (0: unlimited)')
    .action(
      action(session, async (s, options) => {
        const rate = options.rateLimit === undefined ? undefined : Number(options.rateLimit);
        if (rate !== undefined && (!Number.isInteger(rate) || rate < 0)) {
          throw new CliError('BAD_REQUEST', '--rate-limit must be a whole number', 2);
        }
        const created = await withKeyStore(s, options as KeyOptions, (store, sql) =>
          store.createApiKey(sql, {
            name: String(options.name),
            owner: options.owner as string | undefined,
            admin: options.admin === true,
            rateLimitPerMinute: rate,
          }),
        );
        if (s.json) {
          printJson(s.io, { ...created.record, key: created.key });
          return 0;
        }
        writeLine(s.io.stdout, created.key);
        writeLine(
          s.io.stderr,
          `created ${created.record.admin ? 'admin ' : ''}key ${created.record.id} "${created.record.name}" ` +
            `for owner ${created.record.owner}. The secret above is shown only now; store it (e.g. KAYGRAPH_API_KEY).`,
        );
        return 0;
      }),
    );

  keys
    .command('list')
    .description('keys (never their secrets)')
    .option('--all', 'revoked keys too')
    .action(
      action(session, async (s, options) => {
        const records = await withKeyStore(s, options as KeyOptions, (store, sql) =>
          store.listApiKeys(sql, { includeRevoked: options.all === true }),
        );
        if (s.json) printJson(s.io, records);
        else if (records.length === 0)
          writeLine(s.io.stdout, 'no keys (the api runs open unless AUTH_REQUIRED=true)');
        else
          printTable(
            s.io,
            ['ID', 'NAME', 'OWNER', 'PREFIX', 'ADMIN', 'RATE/MIN', 'CREATED', 'LAST USED', 'REVOKED'],
            records.map((key) => [
              key.id,
              key.name,
              key.owner,
              key.prefix,
              key.admin ? 'yes' : 'no',
              key.rate_limit_per_minute ?? 'default',
              key.created_at,
              key.last_used_at,
              key.revoked_at,
            ]),
          );
        return 0;
      }),
    );

  keys
    .command('revoke <id>')
    .description('revoke a key by id (or by its prefix); the api refuses it within seconds')
    .action(
      action(session, async (s, options, id = '') => {
        const record = await withKeyStore(s, options as KeyOptions, (store, sql) =>
          store.revokeApiKey(sql, id),
        );
        if (!record) throw new CliError('NOT_FOUND', `no key ${id}`);
        if (s.json) printJson(s.io, record);
        else writeLine(s.io.stdout, `revoked ${record.id} "${record.name}" (owner ${record.owner})`);
        return 0;
      }),
    );
}
