/**
 * Real api and worker processes (`services/api/src/main.ts`, `services/worker/src/main.ts`) on this node
 * (24), started with the node flags of their `npm start` scripts (as deployed), tracked so a test can kill
 * every one it started, even after a failed assertion.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKFLOWS_MODULE = fileURLToPath(new URL('./e2e-workflows.ts', import.meta.url));
/** Output kept per process for failure messages (the tail). */
const OUTPUT_LIMIT = 64 * 1024;

export interface ServiceProcess {
  kind: 'api' | 'worker';
  child: ChildProcess;
  pid: number;
  /** Exit code, or the signal name when killed. */
  exited: Promise<number | string>;
  /** The tail of stdout + stderr. */
  output(): string;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface ApiProcess extends ServiceProcess {
  url: string;
  port: number;
}

export interface StartOptions {
  databaseUrl: string;
  /** Extra environment (wins over the defaults). */
  env?: Record<string, string>;
}

/** A port that was free a moment ago (for an api that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The node flags (`--max-semi-space-size=...`) of a service's `npm start` script; `root` is the
 * repository's own `npm start` (the api with its bundled worker).
 */
export function startFlags(service: 'api' | 'worker' | 'root'): string[] {
  const manifestPath = service === 'root' ? `${ROOT}package.json` : `${ROOT}services/${service}/package.json`;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { scripts: { start: string } };
  return manifest.scripts.start.split(/\s+/).filter((arg) => arg.startsWith('--') && arg !== '--with-worker');
}

/** Every process started through one `Processes`; `killAll()` in afterEach/afterAll. */
export class Processes {
  readonly started: ServiceProcess[] = [];

  /**
   * The api, on `port` (0: ephemeral); resolves once it listens. Alone by default; `withWorker` runs it
   * as the repository's `npm start` does, with a worker in its process.
   */
  async startApi(options: StartOptions & { port?: number; withWorker?: boolean }): Promise<ApiProcess> {
    const proc = this.spawn(
      'api',
      'services/api/src/main.ts',
      { ...options, env: { PORT: String(options.port ?? 0), ...options.env } },
      options.withWorker ? { flags: startFlags('root'), args: ['--with-worker'] } : undefined,
    );
    const match = await proc.waitForOutput(/API\s+(http:\/\/\S+)/);
    const url = match[1] ?? '';
    return { ...proc.process, url, port: Number(new URL(url).port) };
  }

  /** A standalone worker; resolves once its runtime has started. */
  async startWorker(options: StartOptions): Promise<ServiceProcess> {
    const proc = this.spawn('worker', 'services/worker/src/main.ts', options);
    await proc.waitForOutput(/"msg":"worker started"/);
    return proc.process;
  }

  /** SIGKILLs whatever is still running and waits for the exits. */
  async killAll(): Promise<void> {
    await Promise.all(
      this.started.map(async (proc) => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
        await proc.exited;
      }),
    );
    this.started.length = 0;
  }

  private spawn(
    kind: ServiceProcess['kind'],
    script: string,
    options: StartOptions,
    command: { flags: string[]; args: string[] } = { flags: startFlags(kind), args: [] },
  ) {
    const child = spawn(process.execPath, [...command.flags, script, ...command.args], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: options.databaseUrl,
        LOG_LEVEL: 'info',
        MAX_QUEUE_SIZE: '1000000',
        RATE_LIMIT_PER_MINUTE: '0',
        WORKFLOWS_MODULE,
        SHUTDOWN_GRACE_SECONDS: '5',
        NODE_ENV: 'test',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const listeners = new Set<() => void>();
    const append = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
      for (const listener of listeners) listener();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${kind} process did not start`);
    const process_: ServiceProcess = {
      kind,
      child,
      pid,
      exited,
      output: () => output,
      stop: async (signal = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.started.push(process_);
    // Matches in the output seen so far or arriving later; fails if the process exits first.
    const waitForOutput = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            listeners.delete(check);
            resolve(match);
          }
        };
        listeners.add(check);
        check();
        exited.then((code) => {
          listeners.delete(check);
          reject(new Error(`${kind} exited (${code}) before ${pattern}:\n${output}`));
        });
      });
    return { process: process_, waitForOutput };
  }
}
