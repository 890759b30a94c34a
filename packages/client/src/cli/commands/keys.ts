import type { Command } from 'commander';
import type { KayGraphClient } from '../../create-client.ts';
import { CliError, printJson, printTable, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

const SERVER_SIDE_HINT =
  "hint: keys need an admin key (--api-key or KAYGRAPH_API_KEY); on the api's machine, " +
  '`npm run keys -- create --name admin --admin` makes one without the api';

/** Runs a keys call; refusals say how an operator gets an admin key. */
async function keysCall<T>(
  session: CliSession,
  path: string,
  run: (client: KayGraphClient) => Promise<T>,
): Promise<T> {
  try {
    return await session.api(run, path);
  } catch (error) {
    if (error instanceof CliError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) {
      const message = error.message.replace(/\n\s*hint:.*$/s, '');
      throw new CliError(error.code, `${message}\n  ${SERVER_SIDE_HINT}`, error.exitCode);
    }
    throw error;
  }
}

function rateLimitOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (!Number.isInteger(rate) || rate < 0) {
    throw new CliError('BAD_REQUEST', '--rate-limit must be a whole number', 2);
  }
  return rate;
}

/**
 * `kaygraph keys ...`: the api's `keys` procedures, for admin keys. While no key exists (the open
 * local api) the first one can be made with no key at all.
 */
export function registerKeyCommands(program: Command, session: CliSession): void {
  const keys = program
    .command('keys')
    .description('API keys (through the api, with an admin key; the first one needs none)');

  keys
    .command('create')
    .description('create a key; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--owner <owner>', 'whose tasks it acts for (default: the name)')
    .option('--admin', "sees and manages every owner's tasks, and keys")
    .option('--rate-limit <per_minute>', 'submissions per minute for this key (0: unlimited)')
    .action(
      action(session, async (s, options) => {
        const input = {
          name: String(options.name),
          owner: options.owner as string | undefined,
          admin: options.admin === true,
          rate_limit_per_minute: rateLimitOf(options.rateLimit),
        };
        const created = await keysCall(s, 'keys.create', (client) => client.keys.create.mutate(input));
        if (s.json) {
          printJson(s.io, created);
          return 0;
        }
        writeLine(s.io.stdout, created.key);
        writeLine(
          s.io.stderr,
          `created ${created.admin ? 'admin ' : ''}key ${created.id} "${created.name}" for owner ${created.owner}. ` +
            'The secret above is shown only now; store it (e.g. KAYGRAPH_API_KEY).',
        );
        return 0;
      }),
    );

  keys
    .command('list', { isDefault: true })
    .description('keys (never their secrets)')
    .option('--all', 'revoked keys too')
    .action(
      action(session, async (s, options) => {
        const { items } = await keysCall(s, 'keys.list', (client) =>
          client.keys.list.query({ include: options.all === true ? 'all' : 'active' }),
        );
        if (s.json) printJson(s.io, items);
        else if (items.length === 0) writeLine(s.io.stdout, 'no keys');
        else
          printTable(
            s.io,
            ['ID', 'NAME', 'OWNER', 'PREFIX', 'ADMIN', 'RATE/MIN', 'CREATED', 'LAST USED', 'REVOKED'],
            items.map((key) => [
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
    .description('revoke a key by id, or by the start of its id or prefix (as keys list shows them)')
    .action(
      action(session, async (s, _options, id = '') => {
        const record = await keysCall(s, 'keys.revoke', (client) => client.keys.revoke.mutate({ id }));
        if (s.json) printJson(s.io, record);
        else writeLine(s.io.stdout, `revoked ${record.id} "${record.name}" (owner ${record.owner})`);
        return 0;
      }),
    );
}
