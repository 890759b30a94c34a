import { DomainError, type InputIssue, issuesInLine } from '@kaygraph/contracts';

/** How a query value is read, from its documented schema type. */
export type QueryKind = 'string' | 'integer' | 'number' | 'boolean' | 'array';

/** The query parameters an operation documents, by name, with how each is read. */
export type DeclaredQuery = ReadonlyMap<string, QueryKind>;

const INTEGER = /^\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** A value as its kind reads it, or an issue when it is not written as the document says. */
function readValue(value: string, kind: QueryKind): { value: unknown } | { issue: string } {
  if (kind === 'integer') {
    return INTEGER.test(value) ? { value: Number(value) } : { issue: 'must be an integer in decimal digits' };
  }
  if (kind === 'number') {
    return NUMBER.test(value) ? { value: Number(value) } : { issue: 'must be a number in decimal digits' };
  }
  if (kind === 'boolean') {
    return value === 'true' || value === 'false'
      ? { value: value === 'true' }
      : { issue: 'must be true or false' };
  }
  return { value };
}

/** At most this many issues are answered: a query string of thousands of bad parameters gets the first. */
const MAX_ISSUES = 20;

/**
 * `?a=1&b=x&b=y` as `{a: 1, b: ['x', 'y']}`, read as the operation's documented parameters say, or a 400
 * naming every parameter at fault: one the operation does not declare (a misspelt filter would otherwise
 * be a filter silently not applied), a number not written in plain decimal digits (`0x10`, `1e1`, ` 10`),
 * one value given twice where one is taken. An empty value (`?limit=`) is a parameter not given, as a
 * form's empty field. Values are otherwise left for the operation's schema to judge.
 */
export function readQuery(url: URL, declared: DeclaredQuery): Record<string, unknown> {
  // No prototype: `?constructor=` or `?__proto__=` are plain (unknown) keys, not Object.prototype's.
  const query: Record<string, unknown> = Object.create(null);
  const issues = new Map<string, string>();
  const refuse = (name: string, message: string) => {
    if (!issues.has(name)) issues.set(name, message);
  };
  const given = new Set<string>();
  let unknown = false;
  for (const [key, value] of url.searchParams) {
    const kind = declared.get(key);
    if (kind === undefined) {
      refuse(key, 'unknown query parameter');
      unknown = true;
    } else if (value === '') continue;
    else if (kind === 'array') query[key] = [...((query[key] as string[] | undefined) ?? []), value];
    else if (given.has(key)) refuse(key, 'given more than once; it takes one value');
    else {
      given.add(key);
      const read = readValue(value, kind);
      if ('issue' in read) refuse(key, read.issue);
      else query[key] = read.value;
    }
  }
  if (issues.size === 0) return query;
  const listed: InputIssue[] = [...issues].slice(0, MAX_ISSUES).map(([path, message]) => ({ path, message }));
  const names = [...declared.keys()];
  const takes = unknown ? ` (this operation takes ${names.length > 0 ? names.join(', ') : 'none'})` : '';
  throw new DomainError('BAD_REQUEST', `${issuesInLine(listed)}${takes}`, { issues: listed });
}
