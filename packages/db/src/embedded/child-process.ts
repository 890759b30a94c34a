import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface CompletedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs a program to its end and collects stdout+stderr. A failed spawn (EACCES, ENOENT) rejects instead of
 * surfacing as an unhandled 'error' event.
 */
export function runToCompletion(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<CompletedProcess> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code, signal, output: Buffer.concat(chunks).toString() }),
    );
  });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until the process is gone (it may not be our child, so there is no 'exit' event to wait for). */
export async function waitForProcessExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return !isProcessAlive(pid);
}
