import { execFile } from 'node:child_process';
import { repoRoot } from './repo-files.ts';

export interface EntryPointRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the deployment's entry points (`node <path> ...args`) from the repository root, as the
 * container's command would, with exactly the given environment, and waits for it to exit.
 */
export function runEntryPoint(
  path: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<EntryPointRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path, ...args],
      { cwd: repoRoot, env, timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}
