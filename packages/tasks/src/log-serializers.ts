import { causeChain } from '@kaygraph/contracts/cause-chain';
import pino, { type Logger } from 'pino';

/** What drizzle appends to a failed query's message: the values of its parameters (a task's params, a result). */
const NOT_LOGGED = '\nparams: (not logged)';

/** The `\nparams: …` text of every failed drizzle query in `error`'s cause chain. */
function queryParamTexts(error: unknown): string[] {
  const texts: string[] = [];
  for (const cause of causeChain(error)) {
    const { query, params } = cause as { query?: unknown; params?: unknown };
    if (typeof query === 'string' && Array.isArray(params)) texts.push(`\nparams: ${String(params)}`);
  }
  return texts;
}

/**
 * pino's `err` serializer, without the parameter values of a failed query (drizzle puts them in the
 * message, the stack and a `params` field; wrappers repeat its message): they hold what callers sent, a
 * task's params or a run's result, secrets included. The query's text stays.
 */
export function errWithoutQueryParams(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  const texts = queryParamTexts(error);
  if (texts.length === 0 || !serialized || typeof serialized !== 'object') return serialized;
  const out = { ...(serialized as Record<string, unknown>) };
  for (const key of ['message', 'stack'] as const) {
    const text = out[key];
    if (typeof text === 'string')
      out[key] = texts.reduce((kept, params) => kept.replaceAll(params, NOT_LOGGED), text);
  }
  delete out.params;
  return out;
}

/** The serializers every service logger uses: `pino({ level, serializers: logSerializers })`. */
export const logSerializers = { err: errWithoutQueryParams };

/** `logger`, whose `err` fields leave out the parameter values of failed queries. */
export function withoutQueryParams(logger: Logger): Logger {
  return logger.child({}, { serializers: logSerializers });
}
