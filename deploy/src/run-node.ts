import { execFile } from 'node:child_process';
import { repoRoot } from './repo-files.ts';

export interface NodeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ...args` from the repository root, as a container's command would (`node <entry point>`,
 * `node -e <probe>`), with exactly the given environment, and waits for it to exit.
 */
export function runNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...args],
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
