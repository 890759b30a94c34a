/** The api and worker child processes of the API benchmark, and the RSS of a process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startFlags } from '@kaygraph/e2e/processes';
import { inheritedEnv } from './env.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function benchEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...inheritedEnv(),
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    MAX_WORKERS: '4',
    MAX_QUEUE_SIZE: '1000000',
    WORKFLOWS_MODULE: './services/api/test/fixtures/catalog.ts',
    NODE_ENV: 'production',
  };
}

/**
 * Starts the api process (no worker: its RSS is the api's own) and resolves with its URL once it listens.
 * `nodeFlags`: more node flags after `npm start`'s (`--cpu-prof` ...).
 */
export async function startApi(
  databaseUrl: string,
  nodeFlags: readonly string[] = [],
): Promise<{ url: string; child: ChildProcess }> {
  // With the node flags of `npm start -w @kaygraph/api`, spawned directly so that its pid is the api's own.
  const child = spawn(process.execPath, [...startFlags('api'), ...nodeFlags, 'services/api/src/main.ts'], {
    cwd: ROOT,
    env: benchEnv(databaseUrl),
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    // The start banner is on stderr (stdout carries JSON log lines only); passed on as it comes.
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      output += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`api exited with ${code} before listening`)));
  });
  return { url, child };
}

/** The standalone worker process (`npm run start:worker`) beside the api. */
export function startWorker(databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['services/worker/src/main.ts'], {
    cwd: ROOT,
    env: benchEnv(databaseUrl),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function stop(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve) => {
    // An api killed by a signal (or that died of one) has no exit code, and will not exit again.
    if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}
