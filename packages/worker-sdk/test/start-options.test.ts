import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const workflows = new URL('./fixtures/fan-out-workflows.ts', import.meta.url);
// Refused before anything connects: no database is needed.
const databaseUrl = 'postgres://postgres@127.0.0.1:9/none';

test('startWorker refuses options past the bounds the worker service holds its settings to, naming them', async () => {
  await expect(startWorker({ databaseUrl, workflows, maxResultBytes: 64 * 1024 * 1024 })).rejects.toThrow(
    /^maxResultBytes is the largest result, in bytes of JSON: at most 33554432 \(32 MiB\).* \(got 67108864\)$/,
  );
  await expect(startWorker({ databaseUrl, workflows, poolSize: 0 })).rejects.toThrow(
    /^poolSize is the query pool's connections: .* \(got 0\)$/,
  );
  await expect(startWorker({ databaseUrl, workflows, queuePoolSize: 1.5 })).rejects.toThrow(
    /^queuePoolSize is pg-boss' pool's connections: .* \(got 1.5\)$/,
  );
});
