import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** How a service's process ended: its exit code and what it wrote to stderr. */
export interface ProcessExit {
  code: number | null;
  stderr: string;
}

/**
 * Runs a service's entry point as an operator would (`node <args>`), with the test's environment less
 * DATABASE_URL and PORT plus `env`, until it exits. One that starts instead of refusing would run until
 * stopped: it is killed after `killAfterMs`, to keep a test finite.
 */
export async function runToExit(
  args: readonly string[],
  env: Record<string, string>,
  opts: { cwd?: string; killAfterMs?: number } = {},
): Promise<ProcessExit> {
  const { DATABASE_URL: _url, PORT: _port, ...inherited } = process.env;
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stop = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(stop);
  return { code, stderr };
}
