import type { OpenAPIObject } from 'trpc-to-openapi';

type PathItem = NonNullable<NonNullable<OpenAPIObject['paths']>[string]>;
export type Operation = NonNullable<PathItem['get']>;
type Responses = NonNullable<Operation['responses']>;

/**
 * What is true of an operation that decides the error answers it can give besides its own (404, 409 ...):
 * the server answers these the same way wherever they apply.
 */
export interface OperationTraits {
  /**
   * Takes parameters or a body: 400 for input it refuses. Every operation refuses a query parameter it
   * does not declare (400), whatever it takes.
   */
  input: boolean;
  /** REST reads a JSON body (POST, PATCH): 400 for malformed JSON, 413 past BODY_LIMIT_BYTES. */
  body: boolean;
  /** Needs an API key once auth is on: 401, and 429 for an address past its failed authentications. */
  key: boolean;
  /** Admin keys only: 403 for the others. */
  admin: boolean;
  /** Reads or writes PostgreSQL: 503 with Retry-After while the database cannot answer. */
  database: boolean;
  /** Spends the key's rate limit (submissions, signals ...): 429 RATE_LIMITED. */
  rateLimited: boolean;
  /** Adds unfinished tasks to the owner's queue: 429 QUEUE_FULL at MAX_QUEUE_SIZE. */
  queues: boolean;
  /** Holds a subscription while it streams: 429 past the key's open subscriptions. */
  subscribes: boolean;
}

/** Traits with everything false but what is given. */
export function traits(given: Partial<OperationTraits>): OperationTraits {
  return {
    input: false,
    body: false,
    key: false,
    admin: false,
    database: false,
    rateLimited: false,
    queues: false,
    subscribes: false,
    ...given,
  };
}

/** The headers error answers carry, as `components.headers`. */
export const RESPONSE_HEADERS = {
  'Retry-After': {
    description:
      'Seconds to wait before retrying (absent where waiting does not help: a batch over the burst, a feature this api was started without)',
    schema: { type: 'integer', minimum: 0 },
  },
  Allow: {
    description: 'The methods this path answers, comma-separated (HEAD wherever GET is)',
    required: true,
    schema: { type: 'string' },
  },
  'WWW-Authenticate': {
    description: 'How to authenticate: `Bearer` (an API key in `Authorization: Bearer <key>`)',
    required: true,
    schema: { type: 'string' },
  },
} as const;

type HeaderName = keyof typeof RESPONSE_HEADERS;

interface ErrorAnswer {
  description: string;
  headers?: HeaderName[];
}

/** Statuses only traits decide: an operation may word them, never add them. */
const DECIDED_BY_TRAITS = new Set([400, 401, 405, 413, 429, 500, 503]);

/** The error answers that follow from an operation's traits, by status. */
function traitAnswers(t: OperationTraits): Map<number, ErrorAnswer> {
  const answers = new Map<number, ErrorAnswer>();
  answers.set(400, {
    description: t.body
      ? 'Invalid input: a malformed or non-JSON body, unknown fields or fields that fail (ErrorBody with them in `issues`)'
      : t.input
        ? 'Invalid input: ErrorBody with the failing or unknown parameters in `issues`'
        : 'Invalid input: a query parameter this operation does not take (ErrorBody with it in `issues`)',
  });
  if (t.key) {
    answers.set(401, {
      description: 'UNAUTHORIZED: no API key while auth is on, or an unknown or revoked one',
      headers: ['WWW-Authenticate'],
    });
  }
  if (t.admin) answers.set(403, { description: 'FORBIDDEN: needs an admin key' });
  answers.set(405, {
    description: 'METHOD_NOT_ALLOWED: another method than this path answers; `Allow` lists those it does',
    headers: ['Allow'],
  });
  if (t.body) answers.set(413, { description: 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT_BYTES' });
  const tooMany = [
    t.rateLimited &&
      "RATE_LIMITED: past the key's rate limit (RATE_LIMIT_PER_MINUTE); Retry-After says when enough tokens are back (absent: more at once than the key's burst, to split)",
    t.queues && 'QUEUE_FULL: the owner has MAX_QUEUE_SIZE unfinished tasks; retry after Retry-After',
    t.subscribes && 'RATE_LIMITED: the key holds too many open subscriptions in this api process',
    t.key &&
      'RATE_LIMITED: too many requests with an unknown or revoked API key from this client address ' +
        '(AUTH_FAILURES_PER_MINUTE); Retry-After says when such a key is answered 401 again (a valid key is served meanwhile)',
  ].filter((line): line is string => typeof line === 'string');
  if (tooMany.length > 0) {
    answers.set(429, {
      description: tooMany.join('. '),
      ...(t.rateLimited || t.queues || t.key ? { headers: ['Retry-After' as const] } : {}),
    });
  }
  answers.set(500, { description: 'INTERNAL: an internal error (the details stay in the log)' });
  if (t.database) {
    answers.set(503, {
      description:
        'UNAVAILABLE: the database cannot answer right now (down, restarting, busy): retry after Retry-After; ' +
        'without it, this api was started without what the operation needs',
      headers: ['Retry-After'],
    });
  }
  return answers;
}

/**
 * Sets the error answers of one operation: those its traits decide (with their headers) and its own
 * (`own`: status -> description, which may also word a status its traits decide). Other answers (its
 * success, /ready's 503 body) stay as they are. Throws when an operation claims a status only traits
 * decide that its traits do not give: the document would promise an answer the server never sends.
 */
export function setErrorAnswers(
  where: string,
  operation: Operation,
  operationTraits: OperationTraits,
  own: Record<number, string>,
  keep: readonly number[] = [],
): void {
  const decided = traitAnswers(operationTraits);
  for (const status of Object.keys(own).map(Number)) {
    if (DECIDED_BY_TRAITS.has(status) && !decided.has(status) && !keep.includes(status))
      throw new Error(`${where}: documents ${status}, which its traits (openapi-statuses.ts) do not give`);
  }
  const responses: Responses = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (Number(status) < 400 || keep.includes(Number(status))) responses[status] = response;
  }
  const statuses = new Set([...decided.keys(), ...Object.keys(own).map(Number)]);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    if (keep.includes(status)) continue;
    const answer = decided.get(status);
    const headers = answer?.headers?.map((name) => [name, { $ref: `#/components/headers/${name}` }]);
    responses[String(status)] = {
      description: own[status] ?? answer?.description ?? 'Error',
      ...(headers?.length ? { headers: Object.fromEntries(headers) } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
    };
  }
  operation.responses = responses;
}
