import type { Checkpoint, ProgressReport, ResumeValue, RunResult } from '@kaygraph/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContentReviewResult, contentReview } from '../src/index.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

const params = {
  title: 'Durable waits',
  audience: 'operators',
  points: [
    'A waiting task holds no worker slot',
    'A signal resumes the task on any worker. The task goes on after the waiting node',
    'Deadlines use queue timers and survive restarts',
  ],
  review_seconds: 3600,
};

type Shared = { result?: unknown };

/**
 * One task's runs as the worker makes them: a fresh graph per run, the checkpoint through JSON
 * (as the database stores it), services bound to one real task row.
 */
async function reviewTask(taskParams: Record<string, unknown> = params) {
  const services = await harness.servicesForTask('content_review');
  let checkpoint: Checkpoint<Shared> | undefined;
  const progress: ProgressReport[] = [];
  const run = async (resumeWith?: ResumeValue): Promise<RunResult<Shared>> => {
    const result = await contentReview.graph(taskParams).run(
      {},
      {
        params: { services },
        onProgress: (report) => progress.push(report),
        ...(checkpoint ? { resumeFrom: checkpoint, resumeWith } : {}),
      },
    );
    checkpoint = result.outcome === 'suspended' ? JSON.parse(JSON.stringify(result.checkpoint)) : undefined;
    return result;
  };
  return {
    taskId: services.taskId,
    progress,
    start: () => run(),
    signal: (payload: unknown) => run({ kind: 'signal', name: 'approval', payload }),
    timeout: () => run({ kind: 'timeout' }),
  };
}

function finished(result: RunResult<Shared>): ContentReviewResult {
  expect(result.outcome).toBe('completed');
  return contentReview.result?.parse(result.shared.result) as ContentReviewResult;
}

describe('content_review', () => {
  it('drafts and summarizes, then suspends waiting for approval with a deadline', async () => {
    const task = await reviewTask();
    const before = Date.now();
    const result = await task.start();
    expect(result.outcome).toBe('suspended');
    if (result.outcome !== 'suspended') return;
    expect(result.wait).toMatchObject({ kind: 'signal', name: 'approval', onTimeout: 'timeout' });
    const deadline = result.wait.kind === 'signal' ? Date.parse(result.wait.deadline ?? '') : Number.NaN;
    expect(deadline).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(result.checkpoint).toMatchObject({ completedSteps: 2, lastNodeId: 'summarize' });
    expect(result.shared).toMatchObject({ version: 1, reviews: [] });
    expect(task.progress.map((p) => p.step).filter(Boolean)).toContain('Wait for approval');
  });

  it('publishes article.md when the reviewer approves', async () => {
    const task = await reviewTask();
    await task.start();
    const result = finished(await task.signal({ approved: true, note: 'ship it' }));
    expect(result).toMatchObject({
      outcome: 'published',
      decided_by: 'reviewer',
      title: 'Durable waits',
      version: 1,
      reviews: [{ version: 1, approved: true, note: 'ship it' }],
      artifacts: [{ name: 'article.md', content_type: 'text/markdown' }],
    });
    expect(result.summary.split(/(?<=\.) /)).toHaveLength(2);
    const article = await harness.artifact(task.taskId, 'article.md');
    expect(article?.text).toBe(
      '# Durable waits\n\n_For operators._\n\nA waiting task holds no worker slot.\n\n' +
        'A signal resumes the task on any worker. The task goes on after the waiting node.\n\n' +
        'Deadlines use queue timers and survive restarts.\n',
    );
    expect(result.words).toBe(article?.text.match(/[\p{L}\p{N}]+/gu)?.length);
  });

  it('revises with the note after a rejection and waits again for the new version', async () => {
    const task = await reviewTask();
    await task.start();
    const second = await task.signal({ approved: false, note: 'mention the deadline default' });
    expect(second.outcome).toBe('suspended');
    expect(second.shared).toMatchObject({ version: 2 });
    const result = finished(await task.signal({ approved: true }));
    expect(result).toMatchObject({
      outcome: 'published',
      version: 2,
      reviews: [
        { version: 1, approved: false, note: 'mention the deadline default' },
        { version: 2, approved: true, note: null },
      ],
    });
    const article = await harness.artifact(task.taskId, 'article.md');
    expect(article?.text).toContain('## Revisions\n\n- Version 2: mention the deadline default\n');
  });

  it('rejects for good once the revisions are used up, publishing nothing', async () => {
    const task = await reviewTask({ ...params, max_revisions: 1 });
    await task.start();
    expect((await task.signal({ approved: false })).outcome).toBe('suspended');
    const result = finished(await task.signal({ approved: false, note: 'still no' }));
    expect(result).toMatchObject({ outcome: 'rejected', decided_by: 'reviewer', version: 2, artifacts: [] });
    expect(await harness.artifact(task.taskId, 'article.md')).toBeUndefined();
  });

  it('discards the draft when the deadline passes (on_timeout: discard, the default)', async () => {
    const task = await reviewTask();
    await task.start();
    const result = finished(await task.timeout());
    expect(result).toMatchObject({ outcome: 'expired', decided_by: 'deadline', reviews: [], artifacts: [] });
    expect(await harness.artifact(task.taskId, 'article.md')).toBeUndefined();
  });

  it('publishes at the deadline when on_timeout says publish', async () => {
    const task = await reviewTask({ ...params, on_timeout: 'publish' });
    await task.start();
    const result = finished(await task.timeout());
    expect(result).toMatchObject({ outcome: 'published', decided_by: 'deadline' });
    expect(await harness.artifact(task.taskId, 'article.md')).toBeDefined();
  });

  it('declares the approval signal: its JSON Schema, and the check every surface runs', () => {
    expect(contentReview.signalSchemas.approval).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' }, note: { type: 'string' } },
      required: ['approved'],
    });
    expect(Object.keys(contentReview.signals)).toEqual(['approval']);
    expect(contentReview.signals.approval.safeParse({ approved: true }).success).toBe(true);
    expect(contentReview.signals.approval.safeParse({ approved: 'yes' }).success).toBe(false);
  });

  it('refuses params without points', () => {
    expect(() => contentReview.graph({ title: 'x', points: [] })).toThrow();
  });
});
