import pino from 'pino';
import { expect, it } from 'vitest';
import { createTaskSystem } from '../src/system.ts';
import { capturingLogger } from '../src/testing/index.ts';
import { GREET_PINNED_V1_MODULE } from './fixtures/greet-pinned-v1.ts';
import { GREET_PINNED_V2_MODULE } from './fixtures/greet-pinned-v2.ts';
import { startTestSystem } from './harness.ts';

it('a worker declaring a version that live workers serve with other params says so, and starts', async () => {
  await using api = await startTestSystem();
  await using first = await createTaskSystem({
    databaseUrl: api.database.url,
    logger: pino({ level: 'silent' }),
    migrate: false,
  });
  await first.startWorker({ concurrency: 1, workflowsModule: GREET_PINNED_V1_MODULE });
  const { logger, lines } = capturingLogger('warn');
  await using second = await createTaskSystem({ databaseUrl: api.database.url, logger, migrate: false });

  await second.startWorker({ concurrency: 1, workflowsModule: GREET_PINNED_V2_MODULE });
  expect(lines.map((line) => line.msg)).toContain(
    'workflow "greet" version "1": live workers serve it with other params; its tasks run on both builds, ' +
      'so the change must be compatible (else declare a new version)',
  );
});
