import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { repoRoot } from './repo-files.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A long-running entry point (`node services/api/src/main.ts`) started as its container would start it. */
export interface ServiceProcess extends AsyncDisposable {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for assertions and failure messages. */
  output(): string;
  /** The last lines it printed: enough for a failure message without drowning it. */
  tail(lines?: number): string;
  /** Sends a signal and waits for the exit; undefined when it has not exited by `deadlineMs`. */
  stop(signal: NodeJS.Signals, deadlineMs: number): Promise<Exit | undefined>;
}

export function startService(entry: string, env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, [entry], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);

  async function stop(signal: NodeJS.Signals, deadlineMs: number): Promise<Exit | undefined> {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), deadlineMs);
    });
    try {
      return await Promise.race([exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    child,
    output: () => output,
    tail: (lines = 30) => output.trimEnd().split('\n').slice(-lines).join('\n'),
    stop,
    async [Symbol.asyncDispose]() {
      // A test that failed half-way must not leave processes holding database connections.
      if ((await stop('SIGKILL', 5_000)) === undefined) throw new Error(`${entry} survived SIGKILL`);
    },
  };
}

/** A TCP port that was free a moment ago on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/**
 * Polls `probe` until it returns a value, or fails after `deadlineMs` with the last problem and the
 * service's output. A wait for a process to come up, not a speed check: the deadline only bounds a hang.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs: number,
  service?: ServiceProcess,
): Promise<T> {
  const giveUpAt = Date.now() + deadlineMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < giveUpAt) {
    if (service && service.child.exitCode !== null) {
      throw new Error(`${what}: the process exited (${service.child.exitCode}):\n${service.tail()}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: gave up after ${deadlineMs} ms (${lastProblem})\n${service?.tail() ?? ''}`);
}
