import { codeInCauses, findCause } from '@kaygraph/contracts/cause-chain';
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

/** Node's codes of a host that refused, dropped or is not there (the api is down, or the URL is wrong). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EHOSTUNREACH']);

/** What Node's fetch throws for any failure to reach the server (the reason is its cause). */
const isFetchFailure = (cause: object) => cause instanceof TypeError && cause.message === 'fetch failed';

function isConnectionFailure(error: unknown): boolean {
  return (
    codeInCauses(error, (code) => UNREACHABLE_CODES.has(code)) !== undefined ||
    findCause(error, isFetchFailure) !== undefined
  );
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
