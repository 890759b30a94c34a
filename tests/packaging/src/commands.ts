import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a non-zero exit is returned, not thrown, so tests can show its output. */
export async function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      // Without its own environment the command inherits this process's.
      ...(options.env ? { env: options.env } : {}),
      timeout: options.timeoutMs ?? 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    const code = typeof failed.code === 'number' ? failed.code : 1;
    return { code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** Runs a command and returns its stdout; a failure throws with the command's output. */
export async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const result = await runCommand(command, args, { cwd });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}
