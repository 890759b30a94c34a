import { execFile, spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readCliEnv } from '../src/cli/env.ts';
import { runCli } from '../src/cli/program.ts';

const BIN = fileURLToPath(new URL('../bin/kaygraph.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** stderr claims to be a terminal (the live progress bar); `onStderr` sees it as it is written. */
  terminal?: { onStderr?: (textSoFar: string) => void };
}

/**
 * Runs a `kaygraph` command in this process (what bin/kaygraph.js runs, minus the node start-up
 * of about a second), with only `env` as its environment and no terminal unless asked.
 */
export async function kaygraph(
  args: string[],
  env: Record<string, string> = {},
  options: InProcessOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const stderrSink = Object.assign(
    sink((text) => {
      stderr += text;
      options.terminal?.onStderr?.(stderr);
    }),
    { isTTY: options.terminal !== undefined, columns: 120 },
  );
  const code = await runCli(
    args,
    { stdout: sink((text) => (stdout += text)), stderr: stderrSink },
    readCliEnv(env),
  );
  return { code, stdout, stderr };
}

/**
 * Runs the real `kaygraph` bin in a child process with the project's node (the one running the
 * tests), a clean environment plus `env`, and no terminal (so progress is printed line by line).
 */
export function kaygraphProcess(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, timeout: 60_000 },
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

/**
 * Runs the real `kaygraph` bin as `kaygraph args | head -1` would: its output pipe is closed after the
 * first line while it goes on writing.
 */
export function kaygraphIntoHead(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export function parseJson<T = unknown>(text: string): T {
  return JSON.parse(text) as T;
}

/** `watch --json` / `submit --wait --json`: one JSON document per line. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
