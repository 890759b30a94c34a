import { PRIORITIES, PRIORITY_RANK } from '@kaygraph/contracts';
import { RUN_ORDER_PRIORITIES } from '@kaygraph/db';
import { expect, it } from 'vitest';
import { runPlaceOf } from '../src/store/run-order.ts';

it('places priorities as pg-boss fetches them: every priority, the highest rank first', () => {
  const byRank = [...PRIORITIES].sort((a, b) => PRIORITY_RANK[b] - PRIORITY_RANK[a]);
  expect([...RUN_ORDER_PRIORITIES]).toEqual(byRank);
  expect(byRank.map(runPlaceOf)).toEqual([0, 1, 2]);
});
