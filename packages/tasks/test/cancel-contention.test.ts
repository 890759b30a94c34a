import { DomainError } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { alice, useSystemWithWorker, waitFor, waitForTerminal } from './harness.ts';

const harness = useSystemWithWorker({ concurrency: 8 }, { tuning: { abortGraceSeconds: 1 } });

/**
 * Cancels racing the worker's own writes: while tasks are fetched and claimed, report progress, write
 * checkpoints and complete in batched transactions, each task is cancelled at some point of its life
 * (queued, being fetched, running, finishing). Every cancel must answer: cancelled, or CONFLICT when the
 * task had already finished; never a database error (a deadlock victim), and a cancelled task stays
 * cancelled.
 */
describe('cancel under contention', () => {
  it('cancels many queued and running tasks while the worker writes progress and outcomes', async () => {
    const { system } = harness;
    const rounds = 3;
    const perRound = 40;
    const answers: { taskId: string; answer: 'cancelled' | 'conflict' }[] = [];
    const failures: unknown[] = [];
    for (let round = 0; round < rounds; round++) {
      const submitted = await Promise.all(
        Array.from({ length: perRound }, () =>
          system.tasks.submit(alice, {
            workflow: 'steps',
            params: { steps: 12, step_ms: 3 },
            priority: 'normal',
          }),
        ),
      );
      // Spread the cancels over the tasks' lives: some at once (queued or being fetched), some later.
      await Promise.all(
        submitted.map(async ({ task_id }, i) => {
          await new Promise((resolve) => setTimeout(resolve, (i % 10) * 7));
          try {
            const { status } = await system.tasks.cancel(alice, task_id);
            expect(status).toBe('cancelled');
            answers.push({ taskId: task_id, answer: 'cancelled' });
          } catch (error) {
            if (error instanceof DomainError && error.code === 'CONFLICT') {
              answers.push({ taskId: task_id, answer: 'conflict' });
            } else {
              failures.push(error);
            }
          }
        }),
      );
    }
    expect(failures).toEqual([]);
    expect(answers).toHaveLength(rounds * perRound);
    await waitFor(() => harness.worker.active === 0, 'the worker to be idle');
    for (const { taskId, answer } of answers) {
      const status = await waitForTerminal(system, alice, taskId);
      expect({ taskId, status }).toEqual({
        taskId,
        status: answer === 'cancelled' ? 'cancelled' : 'completed',
      });
    }
    // The worker is still healthy afterwards.
    const next = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 2 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, next.task_id)).toBe('completed');
  });
});
