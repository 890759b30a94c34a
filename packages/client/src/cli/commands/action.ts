import type { Command } from 'commander';
import type { CliSession, GlobalOptions } from '../session.ts';

export type Run = (
  session: CliSession,
  options: GlobalOptions & Record<string, unknown>,
  ...args: (string | undefined)[]
) => Promise<number>;

/** Wires a command's action to the session: global options merged, the exit code recorded. */
export function action(session: CliSession, run: Run) {
  return async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    const options = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    const args = received.slice(0, -2).map((value) => (value === undefined ? undefined : String(value)));
    session.use(options);
    session.exitCode = await run(session, options, ...args);
  };
}
