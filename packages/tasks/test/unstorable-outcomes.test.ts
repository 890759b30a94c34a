import { describe, expect, it } from 'vitest';
import { catalog, UNSTORABLE_OUTCOMES_MODULE } from './fixtures/unstorable-outcomes.ts';
import { alice, useSystemWithWorker, waitForTerminal } from './harness.ts';

/**
 * What a task shows when its run hands over what PostgreSQL refuses to store: it fails at once, saying what
 * could not be stored and why, instead of staying `running` (outcomes) or failing with the statement and
 * the whole store in its message (checkpoints).
 */
const harness = useSystemWithWorker(
  { concurrency: 2, workflowsModule: UNSTORABLE_OUTCOMES_MODULE },
  { catalog },
);

async function runToEnd(workflow: string) {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, { workflow, params: {}, priority: 'normal' });
  await waitForTerminal(system, alice, task_id);
  return system.tasks.get(alice, task_id);
}

describe('a run whose outcome PostgreSQL refuses', () => {
  it('fails the task of a result that cannot be stored, once, saying why', async () => {
    const task = await runToEnd('unstorable_result');
    expect(task.status).toBe('failed');
    expect(task.attempt).toBe(1);
    expect(task.error).toEqual({
      code: 'WORKFLOW_ERROR',
      message:
        "the task's result (or an artifact returned with it) could not be stored: " +
        'unsupported Unicode escape sequence: \\u0000 cannot be converted to text.',
      attempt: 1,
    });
  });

  it('fails the task of an error that cannot be stored with what can be kept of it, without retries', async () => {
    const task = await runToEnd('unstorable_error');
    expect(task.status).toBe('failed');
    expect(task.attempt).toBe(1);
    expect(task.error).toEqual({
      code: 'WORKFLOW_ERROR',
      message:
        "the task's error could not be stored: unsupported Unicode escape sequence: " +
        '\\u0000 cannot be converted to text.; it began: bad a\uFFFDb input',
      node_id: 'parse',
      attempt: 1,
    });
  });

  it.each(['unstorable_checkpoint', 'unstorable_checkpoint_thread'])(
    'fails %s at the checkpoint that cannot be stored, saying after which node, without retries',
    async (workflow) => {
      const task = await runToEnd(workflow);
      expect(task.status).toBe('failed');
      expect(task.attempt).toBe(1);
      expect(task.error).toMatchObject({
        code: 'WORKFLOW_ERROR',
        message:
          'the checkpoint after node "note" could not be stored: unsupported Unicode escape sequence: ' +
          '\\u0000 cannot be converted to text.',
      });
    },
  );
});
