import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const OUTPUT_LIMIT = 64 * 1024;

export interface ApiProcess extends AsyncDisposable {
  child: ChildProcess;
  /** The url main.ts prints (after "API"). */
  url: string;
  /** Exit code or signal name, once the process ended. */
  exited: Promise<number | string>;
  /** The tail of stdout + stderr, for failure messages and log checks. */
  output(): string;
}

/**
 * `node services/api/src/main.ts [args]` as an operator runs it, on `databaseUrl`, port 0. Resolves once it
 * prints its url; rejects with its output when it exits first. Dispose it to SIGKILL it.
 */
export async function startApiProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--max-semi-space-size=8', MAIN, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const onData = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /API\s+(http:\/\/\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    };
    // The banner is on stderr, the JSON log on stdout: whichever comes last may hold it.
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    exited.then((code) => reject(new Error(`the api exited (${code}) before listening:\n${text}`)));
  }).catch(async (error: unknown) => {
    await dispose();
    throw error;
  });
  return { child, url, exited, output: () => text, [Symbol.asyncDispose]: dispose };
}
