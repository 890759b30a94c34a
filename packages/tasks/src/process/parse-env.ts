import type { z } from 'zod';

/** A service's environment that does not parse: its message names every bad variable. */
export class InvalidEnvironmentError extends Error {
  override name = 'InvalidEnvironmentError';
}

/**
 * Parses a service's environment against its schema, or throws one error that names every bad variable.
 * `VAR=` (empty, as compose files and .env templates often leave them) counts as unset, not 0 or ''.
 *
 * @example export const loadWorkerEnv = (source = process.env) => parseEnv(WorkerEnvSchema, source);
 */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  source: Record<string, string | undefined>,
): z.output<Schema> {
  const set = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidEnvironmentError(`invalid environment:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
