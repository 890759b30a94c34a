import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import { runToExit } from '@kaygraph/tasks/testing';
import { catalog as builtins } from '@kaygraph/workflows/catalog';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const logger = pino({ level: 'silent' });
const command = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const caller = { owner: 'sdk-test', admin: false };

/** The description `workflows.list` shows for data_processing: whose version is current. */
async function listedDataProcessing(system: TaskSystem): Promise<string | undefined> {
  const listed = await system.workflows.list({ workerHosts: false });
  return listed.find((workflow) => workflow.name === 'data_processing')?.description;
}

/** A worker of the fixture module `name` on `database`, one task at a time. */
const appWorker = (databaseUrl: string, name: string) =>
  startWorker({ databaseUrl, workflows: fixture(name), concurrency: 1, logger });

test('kaygraph-worker refuses an app workflow named like a built-in of its database, saying what to do', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  // What the built-in worker of `npm start` registers.
  await system.publishWorkflows(builtins);
  const builtinDescription = await listedDataProcessing(system);

  const exit = await runToExit([command, fixture('builtin-named-workflows.ts')], {
    DATABASE_URL: database.url,
  });

  expect(exit).toEqual({
    code: 1,
    stderr:
      'error: workflow "data_processing" has the name of a built-in workflow registered on this database, ' +
      'whose tasks would go to this worker as a new version of the built-in: give yours a name of its own ' +
      '(a prefix: "acme_data_processing"), or declare replacesBuiltin: true in its defineWorkflow to serve ' +
      "it in the built-in's place\n",
  });
  expect(await listedDataProcessing(system)).toBe(builtinDescription);
  expect(builtinDescription).not.toBe("the app's own data processing");
});

test("a workflow that declares replacesBuiltin serves in the built-in's place", async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  await system.publishWorkflows(builtins);
  await using _worker = await appWorker(database.url, 'builtin-replacing-workflows.ts');

  expect(await listedDataProcessing(system)).toBe("the app's own data processing");
  const { task_id } = await system.tasks.submit(caller, {
    workflow: 'data_processing',
    params: { rows: 3 },
    priority: 'normal',
  });
  let task = await system.tasks.get(caller, task_id);
  while (!['completed', 'failed', 'cancelled'].includes(task.status)) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    task = await system.tasks.get(caller, task_id);
  }
  expect(task).toMatchObject({ status: 'completed', result: { app: true } });
});

test('on a database where the built-ins never ran, the name is free', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  await using worker = await appWorker(database.url, 'builtin-named-workflows.ts');
  expect(worker.workflows).toEqual(['data_processing']);
  expect(await listedDataProcessing(system)).toBe("the app's own data processing");
});

test('a worker serving built-in workflows picked one by one starts where the built-ins ran', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  await system.publishWorkflows(builtins);
  await using worker = await appWorker(database.url, 'picked-builtin-workflows.ts');
  expect(worker.workflows).toEqual(['data_processing', 'demo']);
});
