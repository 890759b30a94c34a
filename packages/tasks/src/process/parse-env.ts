import type { z } from 'zod';
import { misspeltSettings } from './misspelt-settings.ts';

/** A service's environment that does not parse: its message names every bad variable. */
export class InvalidEnvironmentError extends Error {
  override name = 'InvalidEnvironmentError';
}

/**
 * Parses a service's environment against its schema, or throws one error that names every bad variable.
 * `VAR=` (empty, as compose files and .env templates often leave them) counts as unset, not 0 or ''. A
 * variable that reads like a misspelt setting (`MAX_WORKER`, `max_workers`) is refused too: ignored, it
 * would leave the setting at its default without a word (`refuseMisspelt: false` for a command run inside
 * an app's own environment, whose variables are the app's).
 *
 * @example export const loadWorkerEnv = (source = process.env) => parseEnv(WorkerEnvSchema, source);
 */
export function parseEnv<Schema extends z.ZodObject>(
  schema: Schema,
  source: Record<string, string | undefined>,
  options: { refuseMisspelt?: boolean } = {},
): z.output<Schema> {
  const set = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(set);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  const misspelt =
    options.refuseMisspelt === false ? [] : misspeltSettings(Object.keys(set), Object.keys(schema.shape));
  for (const { name, meant } of misspelt) {
    problems.push(`  ${name}: not a setting of this service; did you mean ${meant}? (rename or unset it)`);
  }
  if (!parsed.success || problems.length > 0) {
    throw new InvalidEnvironmentError(`invalid environment:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
