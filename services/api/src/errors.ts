import {
  type ApiErrorCode,
  DomainError,
  ERROR_HTTP_STATUS,
  type ErrorBody,
  issuesInLine,
  issuesOf,
} from '@kaygraph/contracts';
import { findCause } from '@kaygraph/contracts/cause-chain';
import { isConnectionLost, isDataException, isPoolClosing, isStatementTimeout } from '@kaygraph/tasks';
import { type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import { z } from 'zod';

/**
 * The one place where errors become answers: DomainError codes (contracts) map to tRPC codes and
 * HTTP statuses, zod failures become 400s with field issues, and anything else is a 500 whose
 * details stay in the log.
 */

const TRPC_CODE_OF: Record<ApiErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_PARAMS: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_SUPPORTED',
  CONFLICT: 'CONFLICT',
  RESULT_NOT_READY: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // Only artifact downloads (plain HTTP) answer it; tRPC has no such code.
  RANGE_NOT_SATISFIABLE: 'BAD_REQUEST',
  QUEUE_FULL: 'TOO_MANY_REQUESTS',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/** For errors tRPC raises itself (unknown procedure, bad batch, parse errors ...). */
const API_CODE_OF_TRPC: Partial<Record<TRPC_ERROR_CODE_KEY, ApiErrorCode>> = {
  PARSE_ERROR: 'BAD_REQUEST',
  BAD_REQUEST: 'BAD_REQUEST',
  UNSUPPORTED_MEDIA_TYPE: 'BAD_REQUEST',
  UNPROCESSABLE_CONTENT: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
};

/** tRPC's words for a batch over `maxBatchSize`; it does not say which limit. */
const BATCH_TOO_LARGE = 'Batch call exceeds maximum size';

/**
 * What a tRPC body over `maxBodySize` says instead of tRPC's bare code. tRPC raises it before any context,
 * so the number of bytes is REST's to say (json-body.ts); this names the setting.
 */
const BODY_TOO_LARGE =
  "request body exceeds the api's limit (BODY_LIMIT_BYTES): send less, or split a batch over several calls";

export interface DescribedError {
  body: ErrorBody;
  httpStatus: number;
  retryAfterSeconds: number | undefined;
}

/** Turns a DomainError into the TRPCError tRPC answers with (status and code from the table above). */
export function toTRPCError(error: DomainError): TRPCError {
  return new TRPCError({ code: TRPC_CODE_OF[error.code], message: error.message, cause: error });
}

const isDomainError = (value: object): value is DomainError => value instanceof DomainError;

/**
 * The tRPC code an error answers with: the DomainError's (found through the cause chain, e.g. one thrown
 * inside a running subscription, which tRPC wraps as INTERNAL_SERVER_ERROR), else tRPC's own.
 */
export function trpcCodeOfError(error: TRPCError): TRPC_ERROR_CODE_KEY {
  const domain = findCause(error, isDomainError);
  if (domain) return TRPC_CODE_OF[domain.code];
  return isDatabaseUnreachable(error) ? 'SERVICE_UNAVAILABLE' : error.code;
}
const isZodError = (value: object): value is z.ZodError => value instanceof z.ZodError;

/**
 * The database cannot answer now (down, restarting, refusing sessions, a network cut: the worker's
 * `isConnectionLost`; or a statement cut off by STATEMENT_TIMEOUT_SECONDS or the operator's own timeouts,
 * `isStatementTimeout`): the request was fine and may succeed when retried, so a 503 with Retry-After, not
 * a 500 that reads as a bug.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  return isDatabaseOutage(error) || isStatementTimeout(error);
}

/**
 * The database is away for every request (a lost or refused connection, or this api closing its pool at
 * shutdown, which another replica can answer), not one statement that ran out of time: what the server
 * error log counts as one outage.
 */
export function isDatabaseOutage(error: unknown): boolean {
  return isConnectionLost(error) || isPoolClosing(error);
}
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * What any thrown value means for a caller: the ErrorBody, the HTTP status, a retry hint (in the body too,
 * for callers that see no headers: tRPC clients, WebSocket messages).
 */
export function describeError(error: unknown): DescribedError {
  const described = describeWithoutHint(error);
  if (described.retryAfterSeconds === undefined) return described;
  const retryAfter = Math.ceil(described.retryAfterSeconds);
  return { ...described, body: { ...described.body, retry_after_seconds: retryAfter } };
}

function describeWithoutHint(error: unknown): DescribedError {
  const domain = findCause(error, isDomainError);
  if (domain) {
    const body: ErrorBody = { code: domain.code, message: domain.message };
    if (domain.issues?.length) body.issues = domain.issues;
    return { body, httpStatus: ERROR_HTTP_STATUS[domain.code], retryAfterSeconds: domain.retryAfterSeconds };
  }
  if (isDatabaseUnreachable(error)) {
    return {
      body: {
        code: 'UNAVAILABLE',
        message: isStatementTimeout(error)
          ? 'the database did not answer in time (a statement timed out, e.g. waiting behind a lock): retry shortly'
          : 'the database cannot answer right now (unreachable, restarting or busy): retry shortly',
      },
      httpStatus: ERROR_HTTP_STATUS.UNAVAILABLE,
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
    };
  }
  const zod = findCause(error, isZodError);
  if (zod && !(error instanceof TRPCError && error.code === 'INTERNAL_SERVER_ERROR')) {
    const issues = issuesOf(zod);
    return {
      body: { code: 'BAD_REQUEST', message: `invalid input: ${issuesInLine(issues)}`, issues },
      httpStatus: 400,
      retryAfterSeconds: undefined,
    };
  }
  // A data exception (a timestamp out of range, NUL in text): a value the caller sent, not a server fault.
  if (isDataException(error)) {
    return {
      body: {
        code: 'BAD_REQUEST',
        message:
          'invalid input: the database refused a value of this request (a cursor not from a previous page?)',
      },
      httpStatus: 400,
      retryAfterSeconds: undefined,
    };
  }
  if (error instanceof TRPCError) {
    const code = API_CODE_OF_TRPC[error.code];
    if (error.message === BATCH_TOO_LARGE) {
      return {
        body: {
          code: 'BAD_REQUEST',
          message: `${BATCH_TOO_LARGE}: send fewer calls per batch (MAX_BATCH_SIZE)`,
        },
        httpStatus: 400,
        retryAfterSeconds: undefined,
      };
    }
    if (error.code === 'PAYLOAD_TOO_LARGE') {
      return {
        body: { code: 'PAYLOAD_TOO_LARGE', message: BODY_TOO_LARGE },
        httpStatus: ERROR_HTTP_STATUS.PAYLOAD_TOO_LARGE,
        retryAfterSeconds: undefined,
      };
    }
    if (code)
      return {
        body: { code, message: error.message },
        httpStatus: ERROR_HTTP_STATUS[code],
        retryAfterSeconds: undefined,
      };
  }
  return {
    body: { code: 'INTERNAL', message: 'internal error' },
    httpStatus: 500,
    retryAfterSeconds: undefined,
  };
}

/**
 * The headers of an error answer (of one error, or of a tRPC batch): Retry-After when an error says when
 * to come back (the latest), and `WWW-Authenticate: Bearer` on a 401, which RFC 9110 requires to name the
 * scheme that would be accepted.
 */
export function errorHeaders(errors: readonly DescribedError[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const seconds = errors.flatMap((error) => error.retryAfterSeconds ?? []);
  if (seconds.length > 0) headers['retry-after'] = String(Math.ceil(Math.max(...seconds)));
  if (errors.some((error) => error.httpStatus === 401)) headers['www-authenticate'] = 'Bearer';
  return headers;
}

/** A DomainError as a standalone answer (hand-written routes). */
export function errorBody(code: ApiErrorCode, message: string): DescribedError {
  return { body: { code, message }, httpStatus: ERROR_HTTP_STATUS[code], retryAfterSeconds: undefined };
}
