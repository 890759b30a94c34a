import { fixtureCatalogModule, startTestServer } from '@kaygraph/api/testing';
import { ListWorkflowsOutput, MoveVersionTasksOutput } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { kaygraph, parseJson } from './cli-helpers.ts';

/** `kaygraph workflows` and `kaygraph workflows move-tasks` against a real api in open mode (the operator). */
test("workflows lists each version; move-tasks moves a retired version's queued task to the current one", async () => {
  await using server = await startTestServer({ worker: false, operations: {} });
  const env = { KAYGRAPH_URL: server.url };
  const listed = ListWorkflowsOutput.parse(parseJson((await kaygraph(['workflows', '--json'], env)).stdout));
  const retired = listed.workflows.find((workflow) => workflow.name === 'steps')?.version;
  if (!retired) throw new Error('steps is not registered');
  const submitted = await kaygraph(['submit', 'steps', '--params', '{"steps": 1}'], env);
  expect(submitted.code).toBe(0);
  const taskId = submitted.stdout.trim();
  // No worker at all: status says why the queued task does not run.
  expect((await kaygraph(['status', taskId], env)).stdout).toMatch(
    new RegExp(`^version\\s+${retired} \\(no live worker runs it: the task waits until one starts\\)$`, 'm'),
  );

  // The upgrade: the new build declares a version; no worker of the old one is left.
  type Catalog = Parameters<typeof server.system.publishWorkflows>[0];
  const { catalog } = (await import(fixtureCatalogModule)) as { catalog: Catalog };
  const steps = catalog.get('steps');
  if (!steps) throw new Error('no steps workflow');
  const upgraded = { ...steps, version: 'upgraded' };
  await server.system.publishWorkflows({ get: () => upgraded, list: () => [upgraded] });
  await expect
    .poll(async () => (await kaygraph(['workflows'], env)).stdout)
    .toMatch(/^steps\s+upgraded\s+yes\s+0\s+0\s+-$/m);
  expect((await kaygraph(['workflows'], env)).stdout).toMatch(
    new RegExp(`^steps\\s+${retired}\\s+-\\s+0\\s+1\\s+-$`, 'm'),
  );

  // Its version retired, the task never runs however many new workers start: status says how to move it.
  const stranded = await kaygraph(['status', taskId], env);
  expect(stranded.stdout).toContain(
    `version     ${retired} (retired: no live worker runs it; move its tasks with \`kaygraph workflows move-tasks steps ${retired}\`)\n`,
  );

  const moved = await kaygraph(['workflows', 'move-tasks', 'steps', retired], env);
  expect(moved).toMatchObject({ code: 0, stderr: '' });
  expect(moved.stdout).toBe(`moved 1 task(s) from version ${retired} to upgraded; 0 stayed\n`);
  const again = await kaygraph(['workflows', 'move-tasks', 'steps', retired, '--json'], env);
  expect(MoveVersionTasksOutput.parse(parseJson(again.stdout))).toMatchObject({ moved: 0, kept_total: 0 });

  const current = await kaygraph(['workflows', 'move-tasks', 'steps', 'upgraded'], env);
  expect(current.code).toBe(1);
  expect(current.stderr).toBe(
    'error: CONFLICT: version upgraded is the current version of workflow "steps"; its tasks stay\n',
  );
});

/** `kaygraph workflows pause` and `resume`: the table says so, and the paused workflow's task waits. */
test('workflows pause holds a workflow on every worker, the table says so, resume runs its task', async () => {
  await using server = await startTestServer({ operations: {} });
  const env = { KAYGRAPH_URL: server.url };
  const paused = await kaygraph(['workflows', 'pause', 'steps'], env);
  expect(paused).toMatchObject({ code: 0, stderr: '' });
  expect(paused.stdout).toMatch(/^steps is paused since \S+ \(by \S+\): its tasks stay queued\n$/);
  expect((await kaygraph(['workflows'], env)).stdout).toMatch(/^steps\s+\S+\s+yes\s+\d+\s+0\s+yes$/m);
  const held = (await kaygraph(['submit', 'steps', '--params', '{"steps": 1}'], env)).stdout.trim();
  const other = (await kaygraph(['submit', 'echo', '--params', '{"value": "hi"}', '--wait'], env)).code;
  expect(other).toBe(0);
  expect((await kaygraph(['status', held, '--json'], env)).stdout).toMatch(/"status": ?"queued"/);

  const resumed = await kaygraph(['workflows', 'resume', 'steps'], env);
  expect(resumed.stdout).toBe('steps is not paused: workers start its queued tasks\n');
  await expect
    .poll(async () => (await kaygraph(['status', held, '--json'], env)).stdout, { timeout: 30_000 })
    .toMatch(/"status": ?"completed"/);
  expect((await kaygraph(['workflows'], env)).stdout).toMatch(/^steps\s+\S+\s+yes\s+\d+\s+0\s+-$/m);
});

/** `kaygraph workflows` shows what a submit gets by default: each workflow's `defaults`, as listed. */
test("workflows lists each workflow's defaults under its versions", async () => {
  await using server = await startTestServer({ worker: false, operations: {} });
  const env = { KAYGRAPH_URL: server.url };
  const listed = await kaygraph(['workflows'], env);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  const [versions = '', defaults = ''] = listed.stdout.split('\n\n');
  expect(versions).toMatch(/^WORKFLOW\s+VERSION\s+CURRENT\s+WORKERS\s+UNFINISHED\s+PAUSED$/m);
  expect(defaults).toMatch(
    /^WORKFLOW\s+PRIORITY\s+RETRIES\s+RETRY DELAY\s+BACKOFF\s+TIMEOUT\s+CONCURRENCY\s+PER KEY\s+RATE LIMIT\n/,
  );
  expect(defaults).toMatch(/^echo\s+normal\s+0\s+0s\s+no\s+60s\s+no limit\s+keys refused\s+no limit$/m);
  expect(defaults).toMatch(/^keyed_echo\s+normal\s+0\s+0s\s+no\s+60s\s+no limit\s+1\s+no limit$/m);
  expect(defaults).toMatch(
    /^rated_echo\s+normal\s+0\s+0s\s+no\s+60s\s+no limit\s+keys refused\s+1 per 3600s$/m,
  );
  // One row per workflow, the same ones `--json` lists with their `defaults`.
  const json = ListWorkflowsOutput.parse(parseJson((await kaygraph(['workflows', '--json'], env)).stdout));
  expect(
    defaults
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[0]),
  ).toEqual(json.workflows.map((workflow) => workflow.name));
});
