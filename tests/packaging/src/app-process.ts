import { type ChildProcess, spawn } from 'node:child_process';

const OUTPUT_LIMIT = 64 * 1024;

export interface AppProcess extends AsyncDisposable {
  child: ChildProcess;
  /** The tail of stdout + stderr, for failure messages. */
  output(): string;
  /** Resolves with the first match in the output; rejects with the output when the process exits first. */
  waitForOutput(pattern: RegExp): Promise<RegExpExecArray>;
  /** Exit code, or the signal name when killed. */
  exited: Promise<number | string>;
}

/** A long-running command of a fixture app (its worker); disposing it SIGKILLs what is still running. */
export function startAppProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): AppProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => text,
    exited,
    waitForOutput: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (!match) return;
          listeners.delete(check);
          resolve(match);
        };
        listeners.add(check);
        check();
        exited.then((code) => {
          listeners.delete(check);
          reject(new Error(`${command} ${args.join(' ')} exited (${code}) before ${pattern}:\n${text}`));
        });
      }),
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
