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

test('MAX_RESULT_BYTES defaults to 10 MiB, takes the value set and refuses one past 255 MiB by name', () => {
  expect(loadWorkerEnv({ DATABASE_URL }).MAX_RESULT_BYTES).toBe(10 * 1024 * 1024);
  expect(loadWorkerEnv({ DATABASE_URL, MAX_RESULT_BYTES: '65536' }).MAX_RESULT_BYTES).toBe(65_536);
  expect(() => loadWorkerEnv({ DATABASE_URL, MAX_RESULT_BYTES: String(256 * 1024 * 1024) })).toThrow(
    "MAX_RESULT_BYTES: at most 267386880 (255 MiB), under PostgreSQL's cap on a jsonb value: store larger outputs as artifacts",
  );
});
