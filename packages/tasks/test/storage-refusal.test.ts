import { describe, expect, it } from 'vitest';
import { isStorageRefusal, refusalReason } from '../src/database-errors.ts';

/** An error as the postgres driver reports PostgreSQL's: a SQLSTATE `code` and a `severity`. */
function postgresError(code: string, message: string, detail?: string): Error {
  return Object.assign(new Error(message), { severity: 'ERROR', code, ...(detail ? { detail } : {}) });
}

/** As drizzle wraps a driver error: the statement and its parameters in its own message. */
function queryError(cause: Error): Error {
  return new Error('Failed query: update tasks set result = $1\nparams: {"secret":"s3cret"}', { cause });
}

describe('which failed writes are refusals of what they hold (the run fails for them, not retried)', () => {
  it('a value PostgreSQL cannot store: text holding NUL, a jsonb string over its limit, too large to send', () => {
    expect(isStorageRefusal(queryError(postgresError('22P05', 'unsupported Unicode escape sequence')))).toBe(
      true,
    );
    expect(
      isStorageRefusal(queryError(postgresError('54000', 'string too long to represent as jsonb string'))),
    ).toBe(true);
    expect(isStorageRefusal(queryError(new RangeError('Invalid string length')))).toBe(true);
  });

  it('not a failure that another try may not meet: deadlock, serialization, full disk, a column missing mid-deploy, a closed pool', () => {
    for (const code of ['40P01', '40001', '53100', '58030', '42703', '42P01', '57014']) {
      expect(isStorageRefusal(queryError(postgresError(code, 'transient')))).toBe(false);
    }
    const poolClosed = Object.assign(new Error('write CONNECTION_ENDED 127.0.0.1:5432'), {
      code: 'CONNECTION_ENDED',
    });
    expect(isStorageRefusal(queryError(poolClosed))).toBe(false);
    expect(isStorageRefusal(new Error('something else'))).toBe(false);
  });

  it('says why in a line, never with the statement or its parameters', () => {
    const reason = refusalReason(
      queryError(
        postgresError('22P05', 'unsupported Unicode escape sequence', '\\u0000 cannot be converted to text.'),
      ),
    );
    expect(reason).toBe('unsupported Unicode escape sequence: \\u0000 cannot be converted to text.');
    expect(refusalReason(queryError(new RangeError('Invalid string length')))).toBe(
      'too large to send to PostgreSQL (Invalid string length)',
    );
  });
});
