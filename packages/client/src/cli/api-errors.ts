import { TRPCClientError } from '@trpc/client';
import { CliError } from './output.ts';

interface ErrorData {
  httpStatus?: number;
  code?: string;
  errorBody?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
}

function dataOf(error: TRPCClientError<never>): ErrorData {
  const data: unknown = error.data;
  return data && typeof data === 'object' ? (data as ErrorData) : {};
}

/** The server has no such procedure (an older api, or a feature another release adds). */
export function isMissingProcedure(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = dataOf(error);
  return (
    (data.code === 'NOT_FOUND' || data.errorBody?.code === 'NOT_FOUND') &&
    /No procedure found/i.test(error.message)
  );
}

function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'EHOSTUNREACH')
      return true;
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * What went wrong, in words a terminal user can act on: the api's own error code and message,
 * plus a hint for the usual suspects (no key, wrong URL, missing feature).
 */
export function explainApiError(error: unknown, context: { url: string; path?: string }): CliError {
  if (error instanceof CliError) return error;
  if (isMissingProcedure(error)) {
    return new CliError(
      'UNAVAILABLE',
      `the api at ${context.url} has no ${context.path ?? 'such'} procedure: this server does not offer ` +
        'that feature (it arrives with a newer api release)',
    );
  }
  if (error instanceof TRPCClientError) {
    const data = dataOf(error);
    const code = data.errorBody?.code ?? data.code ?? 'ERROR';
    const message = data.errorBody?.message ?? error.message;
    // Issues the message already states (the first one, as a rule) are not printed again.
    const issues =
      data.errorBody?.issues
        ?.filter((issue) => issue.message !== message && !message.includes(`${issue.path}: ${issue.message}`))
        .map((issue) => `\n  ${issue.path || '(input)'}: ${issue.message}`) ?? [];
    if (code === 'UNAUTHORIZED') {
      return new CliError(code, `${message}\n  hint: pass --api-key or set KAYGRAPH_API_KEY`);
    }
    if (isConnectionFailure(error)) {
      return new CliError('UNREACHABLE', `cannot reach the api at ${context.url} (${error.message})`);
    }
    return new CliError(code, `${message}${issues.join('')}`, 1, data.errorBody?.issues ?? []);
  }
  if (isConnectionFailure(error))
    return new CliError('UNREACHABLE', `cannot reach the api at ${context.url}`);
  return new CliError('ERROR', error instanceof Error ? error.message : String(error));
}
