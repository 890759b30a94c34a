import { DEFAULT_MAX_BATCH_SIZE } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { loadWorkerEnv } from '../src/env.ts';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/kaygraph';

test('MAX_BATCH_SIZE defaults to what the api has (50), takes the value set and refuses a bad one by name', () => {
  expect(DEFAULT_MAX_BATCH_SIZE).toBe(50);
  expect(loadWorkerEnv({ DATABASE_URL }).MAX_BATCH_SIZE).toBe(DEFAULT_MAX_BATCH_SIZE);
  expect(loadWorkerEnv({ DATABASE_URL, MAX_BATCH_SIZE: '7' }).MAX_BATCH_SIZE).toBe(7);
  expect(() => loadWorkerEnv({ DATABASE_URL, MAX_BATCH_SIZE: '0' })).toThrow(/MAX_BATCH_SIZE/);
});

test('MAX_BATCH_SIZE past what one call may carry (1000) is refused, as on the api', () => {
  expect(() => loadWorkerEnv({ DATABASE_URL, MAX_BATCH_SIZE: '10000' })).toThrow(
    "MAX_BATCH_SIZE: at most 1000: the most tasks one call's input may carry",
  );
});

test('MAX_RESULT_BYTES defaults to 10 MiB, takes the value set and refuses one past 32 MiB by name', () => {
  expect(loadWorkerEnv({ DATABASE_URL }).MAX_RESULT_BYTES).toBe(10 * 1024 * 1024);
  expect(loadWorkerEnv({ DATABASE_URL, MAX_RESULT_BYTES: '65536' }).MAX_RESULT_BYTES).toBe(65_536);
  expect(loadWorkerEnv({ DATABASE_URL, MAX_RESULT_BYTES: String(32 * 1024 * 1024) }).MAX_RESULT_BYTES).toBe(
    32 * 1024 * 1024,
  );
  // Past PostgreSQL's cap once stored as jsonb: a 46 MB array of small numbers fails to store.
  expect(() => loadWorkerEnv({ DATABASE_URL, MAX_RESULT_BYTES: String(46 * 1000 * 1000) })).toThrow(
    "MAX_RESULT_BYTES: at most 33554432 (32 MiB): PostgreSQL's jsonb can be several times the JSON text and " +
      'refuses the larger; store larger outputs as artifacts',
  );
});
