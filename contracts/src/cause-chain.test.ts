import { describe, expect, it } from 'vitest';
import { causeChain, codeInCauses, findCause, MAX_CAUSE_DEPTH } from './cause-chain.ts';

/** `depth` errors, each the cause of the one before; the innermost carries `code`. */
function chainOf(depth: number, code: string): Error {
  let error: Error = Object.assign(new Error('innermost'), { code });
  for (let level = 1; level < depth; level++) error = new Error(`wrapper ${level}`, { cause: error });
  return error;
}

describe('causeChain', () => {
  it('finds a code three causes deep', () => {
    const error = chainOf(4, '40P01');
    expect(codeInCauses(error, (code) => code === '40P01')).toBe('40P01');
    expect(findCause(error, (cause) => (cause as { code?: unknown }).code === '40P01')).toMatchObject({
      message: 'innermost',
    });
  });

  it('ends on a chain that loops back, each error once', () => {
    const outer = new Error('outer');
    const inner = new Error('inner', { cause: outer });
    outer.cause = inner;
    const self = new Error('self');
    self.cause = self;

    expect([...causeChain(outer)]).toEqual([outer, inner]);
    expect([...causeChain(self)]).toEqual([self]);
    expect(codeInCauses(outer, () => true)).toBeUndefined();
  });

  it('looks no deeper than MAX_CAUSE_DEPTH errors', () => {
    expect(codeInCauses(chainOf(MAX_CAUSE_DEPTH, '57014'), () => true)).toBe('57014');
    expect(codeInCauses(chainOf(MAX_CAUSE_DEPTH + 1, '57014'), () => true)).toBeUndefined();
    expect([...causeChain(chainOf(50, '57014'))]).toHaveLength(MAX_CAUSE_DEPTH);
  });

  it('walks objects, not the values a chain ends in', () => {
    const plain = { code: 'ECONNRESET' };
    expect([...causeChain(new Error('wrapped', { cause: plain }))]).toHaveLength(2);
    expect(codeInCauses(new Error('wrapped', { cause: plain }), () => true)).toBe('ECONNRESET');
    expect([...causeChain(new Error('a string cause', { cause: 'ECONNRESET' }))]).toHaveLength(1);
    expect([...causeChain(undefined)]).toEqual([]);
    expect([...causeChain('thrown text')]).toEqual([]);
  });
});
