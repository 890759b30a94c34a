import { Writable } from 'node:stream';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
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

/** A worker of the fixture workflows module `fixture` (test/fixtures/<fixture>.ts). */
function workerOf(databaseUrl: string, fixture: string, logger: pino.Logger = silent) {
  return startWorker({
    databaseUrl,
    workflows: new URL(`./fixtures/${fixture}.ts`, import.meta.url),
    logger,
  });
}

/** The version of `workflow` the newest worker registered. */
async function currentVersion(system: TaskSystem, workflow: string): Promise<string | undefined> {
  return (await system.workflows.list({ workerHosts: false }))
    .find((entry) => entry.name === workflow)
    ?.versions.find((version) => version.current)?.version;
}

/** The warnings among a worker's lines. */
const warnings = (lines: { level: number; msg: string }[]) =>
  lines.filter((line) => line.level === 40).map((line) => line.msg);

test('a worker of a new version started while tasks of the stopped old version are queued says how to move them', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger: silent });
  // The old build registers its version and is stopped (a deploy); tasks submitted then are of its version.
  const old = await workerOf(database.url, 'ledger-v1');
  await old.close();
  const queued = await Promise.all(
    [1, 2].map((amount) => system.tasks.submit(caller, { workflow: 'ledger', params: { amount } })),
  );
  const oldVersion = (await system.tasks.get(caller, queued[0]?.task_id ?? '')).workflow_version;

  const { lines, logger } = collectingLogger();
  await using _new = await workerOf(database.url, 'ledger-v2', logger);
  const newVersion = await currentVersion(system, 'ledger');
  expect(newVersion).not.toBe(oldVersion);
  expect(warnings(lines)).toContain(
    `2 tasks of workflow "ledger" wait for version "${oldVersion}", which no live worker runs (this worker ` +
      `runs "${newVersion}"): start a worker of that version, or move them with ` +
      `\`kaygraph workflows move-tasks ledger ${oldVersion}\``,
  );
});

test('after a rename, tasks of the old name are stranded only once no worker of that name runs their version, and are named by it', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger: silent });
  // The old build stays up: its tasks, due later, are still its to run.
  const old = await workerOf(database.url, 'ledger-v1');
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const queued = await Promise.all(
    [1, 2].map((amount) =>
      system.tasks.submit(caller, { workflow: 'ledger', params: { amount }, run_at: later }),
    ),
  );
  const oldVersion = (await system.tasks.get(caller, queued[0]?.task_id ?? '')).workflow_version;

  const beside = collectingLogger();
  await using _renamed = await workerOf(database.url, 'journal', beside.logger);
  expect(warnings(beside.lines)).toEqual([]);

  await old.close();
  const after = collectingLogger();
  await using _next = await workerOf(database.url, 'journal', after.logger);
  const journalVersion = await currentVersion(system, 'journal');
  expect(warnings(after.lines)).toEqual([
    `2 tasks of workflow "ledger" wait for version "${oldVersion}", which no live worker runs (this worker ` +
      `runs "${journalVersion}"): start a worker of that version, or move them with ` +
      `\`kaygraph workflows move-tasks ledger ${oldVersion}\``,
  ]);
});
