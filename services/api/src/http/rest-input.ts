import type { IncomingMessage } from 'node:http';
import { DomainError, type InputIssue, issuesInLine } from '@kaygraph/contracts';
import type { RestMeta } from '../rest-meta.ts';

/**
 * What REST takes for an operation's input besides its body, compiled once from the operation's metadata
 * (`headerFields`, `headerAlternatives`), so a request walks short lists and builds nothing it does not
 * answer with.
 */
export interface RestInput {
  /** The input fields the operation reads from request headers, as sent (by field). */
  fromHeaders(req: IncomingMessage): Record<string, string>;
  /**
   * Refuses a body naming a path parameter or a header's field: the path's (or header's) value would
   * silently win, and the document's body schema (additionalProperties: false) leaves it out.
   */
  refuseKeysFromElsewhere(body: Record<string, unknown>, pathInput: Record<string, string>): void;
  /**
   * Refuses a field given both by its header and in the body (`headerAlternatives`) with different values:
   * otherwise one would silently win over the other.
   */
  refuseDisagreeingHeaders(source: Record<string, unknown>, fromHeaders: Record<string, string>): void;
}

function refuse(issues: InputIssue[] | undefined): void {
  if (issues) throw new DomainError('BAD_REQUEST', `invalid input: ${issuesInLine(issues)}`, { issues });
}

export function compileRestInput(meta: RestMeta): RestInput {
  // Header name (as the metadata spells it, lower-cased for Node's headers) and the field it gives.
  const reads = Object.entries({ ...meta.headerFields, ...meta.headerAlternatives }).map(
    ([header, field]) => [header.toLowerCase(), field] as const,
  );
  const headerOnly = Object.entries(meta.headerFields ?? {});
  const alternatives = Object.entries(meta.headerAlternatives ?? {});
  const pathFrom = `the path (${meta.openapi.path})`;
  return {
    fromHeaders(req) {
      const input: Record<string, string> = {};
      for (const [header, field] of reads) {
        const value = req.headers[header];
        if (typeof value === 'string') input[field] = value;
      }
      return input;
    },
    refuseKeysFromElsewhere(body, pathInput) {
      let issues: InputIssue[] | undefined;
      const add = (key: string, from: string) => {
        issues ??= [];
        issues.push({ path: key, message: `is taken from ${from}; leave it out of the body` });
      };
      for (const key of Object.keys(pathInput)) if (Object.hasOwn(body, key)) add(key, pathFrom);
      for (const [header, key] of headerOnly) if (Object.hasOwn(body, key)) add(key, `the ${header} header`);
      refuse(issues);
    },
    refuseDisagreeingHeaders(source, fromHeaders) {
      let issues: InputIssue[] | undefined;
      for (const [header, field] of alternatives) {
        if (!Object.hasOwn(source, field) || !Object.hasOwn(fromHeaders, field)) continue;
        if (source[field] === fromHeaders[field]) continue;
        issues ??= [];
        issues.push({
          path: field,
          message: `differs from the ${header} header; send one of them, or the same value in both`,
        });
      }
      refuse(issues);
    },
  };
}
