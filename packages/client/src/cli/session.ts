import { createClient, type KayGraphClient } from '../create-client.ts';
import { explainApiError } from './api-errors.ts';
import type { CliEnv } from './env.ts';
import type { CliIo } from './output.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8000';

/** Options every command accepts (commander's `optsWithGlobals()`). */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/**
 * What a command runs with: where the api is, the key, the output mode, and one typed client
 * opened on first use and closed when the command ends.
 */
export class CliSession {
  readonly io: CliIo;
  readonly env: CliEnv;
  /** What the command that ran asks the process to exit with. */
  exitCode = 0;
  #options: GlobalOptions = {};
  #client: KayGraphClient | undefined;

  constructor(io: CliIo, env: CliEnv) {
    this.io = io;
    this.env = env;
  }

  use(options: GlobalOptions): this {
    this.#options = options;
    return this;
  }

  get url(): string {
    return (this.#options.url ?? this.env.url ?? DEFAULT_URL).replace(/\/+$/, '');
  }

  get json(): boolean {
    return this.#options.json === true;
  }

  get client(): KayGraphClient {
    this.#client ??= createClient({ url: this.url, apiKey: this.#options.apiKey ?? this.env.apiKey });
    return this.#client;
  }

  /** Runs a typed call; API errors become CliErrors that say what to do. */
  async api<T>(run: (client: KayGraphClient) => Promise<T>, path?: string): Promise<T> {
    try {
      return await run(this.client);
    } catch (error) {
      throw explainApiError(error, { url: this.url, path });
    }
  }

  /**
   * Calls a procedure by path that this client's router type may not know (schedules and dead
   * letters come with the orchestration features): an api without it says so plainly.
   */
  procedure(kind: 'query' | 'mutate', path: string, input: unknown): Promise<unknown> {
    return this.api((client) => {
      let node: unknown = client.trpc;
      for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
      const call = (node as Record<string, unknown>)[kind];
      if (typeof call !== 'function') throw new Error(`the client cannot ${kind} ${path}`);
      return (call as (input: unknown) => Promise<unknown>)(input);
    }, path);
  }

  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }
}
