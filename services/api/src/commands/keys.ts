import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type ApiKeyView, CreateApiKeyInput, DomainError } from '@kaygraph/contracts';
import { isConnectionLost } from '@kaygraph/tasks';
import type { ApiEnv } from '../env.ts';
import { createKeyAdmin, type KeyAdmin } from '../keys/key-admin.ts';
import { type CommandDatabase, describeCommandDatabase, openCommandDatabase } from './command-database.ts';

export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
}

const USAGE = `Usage: node services/api/src/main.ts keys <command>   (npm run keys -- <command>)

API keys, written to the api's own database (DATABASE_URL, else the embedded PostgreSQL of DATA_DIR).

Commands:
  create --name <name> [--owner <owner>] [--admin] [--rate-limit <per_minute>]
                      create a key; its secret is printed once, on stdout
  list [--all]        keys, never their secrets (--all: revoked ones too)
  revoke <id>         revoke a key by id, or by the start of its id or prefix

Every command takes --json for machine-readable output.
`;

class UsageError extends Error {}

const write = (stream: Writable, text: string) => stream.write(`${text}\n`);

function printKeys(io: CommandIo, keys: ApiKeyView[]): void {
  if (keys.length === 0) {
    write(io.stdout, 'no keys');
    return;
  }
  const rows = [
    ['ID', 'NAME', 'OWNER', 'PREFIX', 'ADMIN', 'RATE/MIN', 'CREATED', 'LAST USED', 'REVOKED'],
    ...keys.map((key) => [
      key.id,
      key.name,
      key.owner,
      key.prefix,
      key.admin ? 'yes' : 'no',
      key.rate_limit_per_minute === null ? 'default' : String(key.rate_limit_per_minute),
      key.created_at,
      key.last_used_at ?? '-',
      key.revoked_at ?? '-',
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of rows)
    write(
      io.stdout,
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
}

function rateLimitOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (!Number.isInteger(rate) || rate < 0) throw new UsageError('--rate-limit must be a whole number');
  return rate;
}

/** A parsed command, run once the database is open. */
type Prepared = (admin: KeyAdmin) => Promise<number>;

function create(args: string[], io: CommandIo): Prepared {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      owner: { type: 'string' },
      admin: { type: 'boolean', default: false },
      'rate-limit': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const input = CreateApiKeyInput.safeParse({
    name: values.name,
    owner: values.owner,
    admin: values.admin,
    rate_limit_per_minute: rateLimitOf(values['rate-limit']),
  });
  if (!input.success) {
    const issues = input.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    throw new UsageError(values.name === undefined ? '--name is required' : issues.join('; '));
  }
  return async (admin) => {
    const created = await admin.create(input.data);
    if (values.json) {
      write(io.stdout, JSON.stringify(created, null, 2));
      return 0;
    }
    write(io.stdout, created.key);
    write(
      io.stderr,
      `created ${created.admin ? 'admin ' : ''}key ${created.id} "${created.name}" for owner ${created.owner}. ` +
        'The secret above is shown only now; store it (e.g. KAYGRAPH_API_KEY).',
    );
    return 0;
  };
}

function list(args: string[], io: CommandIo): Prepared {
  const { values } = parseArgs({
    args,
    options: { all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
  return async (admin) => {
    const keys = await admin.list({ includeRevoked: values.all });
    if (values.json) write(io.stdout, JSON.stringify(keys, null, 2));
    else printKeys(io, keys);
    return 0;
  };
}

function revoke(args: string[], io: CommandIo): Prepared {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError('give one key id (or the start of its id or prefix)');
  return async (admin) => {
    const record = await admin.revoke(id);
    if (values.json) write(io.stdout, JSON.stringify(record, null, 2));
    else write(io.stdout, `revoked ${record.id} "${record.name}" (owner ${record.owner})`);
    return 0;
  };
}

const COMMANDS = { create, list, revoke } as const;

function isCommand(name: string | undefined): name is keyof typeof COMMANDS {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/**
 * `keys create|list|revoke` on the api's own database, without a running api (the first admin key
 * of a deployment, or a key made where the api cannot be reached). Returns the exit code: 0 done,
 * 1 refused or failed, 2 bad usage.
 *
 * @example process.exitCode = await runKeysCommand(['list'], { env: loadApiEnv(), io: process });
 */
export async function runKeysCommand(argv: string[], opts: { env: ApiEnv; io: CommandIo }): Promise<number> {
  const { io } = opts;
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!isCommand(name)) {
    io.stderr.write(`error: unknown keys command "${name}"\n\n${USAGE}`);
    return 2;
  }
  let prepared: Prepared;
  try {
    prepared = COMMANDS[name](args, io);
  } catch (error) {
    // UsageError, or parseArgs's TypeError for an unknown or malformed option.
    write(io.stderr, `error: ${error instanceof Error ? error.message : String(error)}\n`);
    io.stderr.write(USAGE);
    return 2;
  }
  let database: CommandDatabase | undefined;
  try {
    database = await openCommandDatabase(opts.env);
    return await prepared(createKeyAdmin({ sql: database.sql }));
  } catch (error) {
    if (error instanceof DomainError) {
      write(io.stderr, `error: ${error.code}: ${error.message}`);
      return 1;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const message = isConnectionLost(error) ? `cannot reach ${describeCommandDatabase(opts.env)}` : reason;
    write(io.stderr, `error: ${message}`);
    return 1;
  } finally {
    await database?.close();
  }
}

/** The `keys` mode of main.ts: runs the command, lets stdout and stderr drain, and exits. */
export async function runKeysMain(argv: string[], env: ApiEnv): Promise<never> {
  const code = await runKeysCommand(argv, { env, io: process });
  const drained = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write('', () => resolve()));
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
