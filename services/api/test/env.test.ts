import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { loadApiEnv } from '../src/env.ts';

test('defaults follow the spec: port 8000 on loopback, 4 workers, 3600 s timeout, 86400 s TTL, 100 queued', () => {
  expect(loadApiEnv({})).toMatchObject({
    PORT: 8000,
    HOST: '127.0.0.1',
    MAX_WORKERS: 4,
    TASK_TIMEOUT: 3600,
    RESULT_TTL: 86_400,
    MAX_QUEUE_SIZE: 100,
    BODY_LIMIT_BYTES: 1_048_576,
    MAX_BATCH_SIZE: 50,
    MAX_RESULT_BYTES: 10_485_760,
  });
  expect(loadApiEnv({}).DATABASE_URL).toBeUndefined();
});

test('empty variables count as unset', () => {
  const env = loadApiEnv({ PORT: '', DATABASE_URL: '' });
  expect(env.PORT).toBe(8000);
  expect(env.DATABASE_URL).toBeUndefined();
});

test('bad values are refused with the variable named', () => {
  expect(() => loadApiEnv({ PORT: 'eighty', MAX_WORKERS: '0' })).toThrow(
    /PORT[\s\S]*MAX_WORKERS|MAX_WORKERS[\s\S]*PORT/,
  );
  expect(() => loadApiEnv({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
});

test('MAX_BATCH_SIZE past what one call may carry (1000) is refused by name, not left to refuse calls', () => {
  expect(loadApiEnv({ MAX_BATCH_SIZE: '1000' }).MAX_BATCH_SIZE).toBe(1000);
  expect(() => loadApiEnv({ MAX_BATCH_SIZE: '10000' })).toThrow(
    "MAX_BATCH_SIZE: at most 1000: the most tasks one call's input may carry",
  );
});

test('MAX_RESULT_BYTES past 32 MiB is refused by name, with why: jsonb can be several times the JSON', () => {
  expect(loadApiEnv({ MAX_RESULT_BYTES: String(32 * 1024 * 1024) }).MAX_RESULT_BYTES).toBe(32 * 1024 * 1024);
  // A 46 MB array of small numbers passed the old 255 MiB ceiling and then failed to store as jsonb.
  expect(() => loadApiEnv({ MAX_RESULT_BYTES: String(46 * 1000 * 1000) })).toThrow(
    "MAX_RESULT_BYTES: at most 33554432 (32 MiB): PostgreSQL's jsonb can be several times the JSON text and " +
      'refuses the larger; store larger outputs as artifacts',
  );
});

test('the api started with a bad value stops with the variable named, one line per problem and no stack', () => {
  // Only what it needs: were the environment accepted, the api would start on a data dir of its own.
  const dataDir = mkdtempSync(join(tmpdir(), 'kg-env-'));
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, TASK_TIMEOUT: '0', PORT: 'eighty' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  rmSync(dataDir, { recursive: true, force: true });
  expect(run.status).toBe(1);
  expect(run.stderr).toBe(
    'the api did not start: invalid environment:\n' +
      '  PORT: Invalid input: expected number, received NaN\n' +
      '  TASK_TIMEOUT: Too small: expected number to be >=1\n',
  );
});
