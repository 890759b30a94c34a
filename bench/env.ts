/** The benchmarks' environment, read here only: the server to measure on, and what child processes inherit. */
export const benchDatabaseUrl: string | undefined = process.env.DATABASE_URL;

/** The environment a spawned api or worker process starts from. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
