import { Writable } from 'node:stream';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const caller = { owner: 'sdk-test', admin: false };
const silent = pino({ level: 'silent' });

/** A logger whose lines the test reads: what the worker prints on its stdout. */
function collectingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

test('a worker of a new version started while tasks of the stopped old version are queued says how to move them', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger: silent });
  // The old build registers its version and is stopped (a deploy); tasks submitted then are of its version.
  const old = await startWorker({
    databaseUrl: database.url,
    workflows: new URL('./fixtures/ledger-v1.ts', import.meta.url),
    logger: silent,
  });
  await old.close();
  const queued = await Promise.all(
    [1, 2].map((amount) => system.tasks.submit(caller, { workflow: 'ledger', params: { amount } })),
  );
  const oldVersion = (await system.tasks.get(caller, queued[0]?.task_id ?? '')).workflow_version;

  const { lines, logger } = collectingLogger();
  await using _new = await startWorker({
    databaseUrl: database.url,
    workflows: new URL('./fixtures/ledger-v2.ts', import.meta.url),
    logger,
  });
  const newVersion = (await system.workflows.list({ workerHosts: false }))
    .find((workflow) => workflow.name === 'ledger')
    ?.versions.find((version) => version.current)?.version;
  expect(newVersion).not.toBe(oldVersion);
  expect(lines.filter((line) => line.level === 40).map((line) => line.msg)).toContain(
    `2 tasks of workflow "ledger" wait for version "${oldVersion}", which no live worker runs (this worker ` +
      `runs "${newVersion}"): start a worker of that version, or move them with ` +
      `\`kaygraph workflows move-tasks ledger ${oldVersion}\``,
  );
});

test('after a rename, tasks of the old name are stranded only once no worker of that name runs their version, and are named by it', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger: silent });
  // The old build stays up: its tasks, due later, are still its to run.
  const old = await startWorker({
    databaseUrl: database.url,
    workflows: new URL('./fixtures/ledger-v1.ts', import.meta.url),
    logger: silent,
  });
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const queued = await Promise.all(
    [1, 2].map((amount) =>
      system.tasks.submit(caller, { workflow: 'ledger', params: { amount }, run_at: later }),
    ),
  );
  const oldVersion = (await system.tasks.get(caller, queued[0]?.task_id ?? '')).workflow_version;
  const warnings = (lines: { level: number; msg: string }[]) =>
    lines.filter((line) => line.level === 40).map((line) => line.msg);

  const beside = collectingLogger();
  await using _renamed = await startWorker({
    databaseUrl: database.url,
    workflows: new URL('./fixtures/journal.ts', import.meta.url),
    logger: beside.logger,
  });
  expect(warnings(beside.lines)).toEqual([]);

  await old.close();
  const after = collectingLogger();
  await using _next = await startWorker({
    databaseUrl: database.url,
    workflows: new URL('./fixtures/journal.ts', import.meta.url),
    logger: after.logger,
  });
  const journalVersion = (await system.workflows.list({ workerHosts: false }))
    .find((workflow) => workflow.name === 'journal')
    ?.versions.find((version) => version.current)?.version;
  expect(warnings(after.lines)).toEqual([
    `2 tasks of workflow "ledger" wait for version "${oldVersion}", which no live worker runs (this worker ` +
      `runs "${journalVersion}"): start a worker of that version, or move them with ` +
      `\`kaygraph workflows move-tasks ledger ${oldVersion}\``,
  ]);
});
