import { Node, WaitNode } from '@kaygraph/graph';
import type { WorkflowShared } from '../../define.ts';
import { servicesOf } from '../../run-params.ts';
import type { StoredArtifact } from '../../services/types.ts';
import { waitForDeclared } from '../../signals.ts';
import {
  type Approval,
  type ContentReviewParams,
  type ContentReviewResult,
  ContentReviewSignals,
  type Review,
} from './params.ts';
import { composeDraft, countWords, reviseDraft, summarize } from './text.ts';

/** The store between nodes (and the checkpoint while the task waits): the draft and its reviews. */
export interface ReviewShared extends WorkflowShared {
  draft?: string;
  version?: number;
  summary?: string;
  reviews?: Review[];
}

const STEP = {
  draft: 'Write draft',
  summarize: 'Summarize',
  review: 'Wait for approval',
  revise: 'Revise draft',
  publish: 'Publish',
} as const;

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the shared store has no ${name}: did the draft step run?`);
  return value;
}

function conclusion(
  shared: ReviewShared,
  config: ContentReviewParams,
  outcome: ContentReviewResult['outcome'],
  decidedBy: ContentReviewResult['decided_by'],
  artifacts: ContentReviewResult['artifacts'],
): ContentReviewResult {
  const draft = required(shared.draft, 'draft');
  return {
    outcome,
    decided_by: decidedBy,
    title: config.title,
    version: required(shared.version, 'version'),
    summary: required(shared.summary, 'summary'),
    words: countWords(draft),
    reviews: shared.reviews ?? [],
    artifacts,
  };
}

export class WriteDraft extends Node<ReviewShared> {
  readonly config: ContentReviewParams;
  constructor(config: ContentReviewParams) {
    super({ id: 'draft', step: STEP.draft });
    this.config = config;
  }
  override post(shared: ReviewShared): void {
    shared.draft = composeDraft(this.config);
    shared.version = 1;
    shared.reviews = [];
  }
}

export class Summarize extends Node<ReviewShared, string, string> {
  readonly sentences: number;
  constructor(sentences: number) {
    super({ id: 'summarize', step: STEP.summarize });
    this.sentences = sentences;
  }
  override prep(shared: ReviewShared): string {
    return required(shared.draft, 'draft');
  }
  override exec(draft: string): string {
    return summarize(draft, this.sentences);
  }
  override post(shared: ReviewShared, _draft: string, summary: string): void {
    shared.summary = summary;
  }
}

/**
 * Waits for the reviewer's `approval` signal on the current version. Actions: `approved`,
 * `revise` (rejected, revisions left), `rejected` (none left), `timeout` (the deadline passed).
 */
export class AwaitApproval extends WaitNode<ReviewShared, number, Approval> {
  readonly config: ContentReviewParams;
  constructor(config: ContentReviewParams) {
    super({ id: 'await_approval', step: STEP.review });
    this.config = config;
  }
  override prep(shared: ReviewShared): number {
    return required(shared.version, 'version');
  }
  override exec() {
    return waitForDeclared(ContentReviewSignals, 'approval', {
      deadline: { seconds: this.config.review_seconds },
      onTimeout: 'timeout',
    });
  }
  override post(shared: ReviewShared, version: number, approval: Approval): string {
    const reviews = [
      ...(shared.reviews ?? []),
      { version, approved: approval.approved, note: approval.note ?? null },
    ];
    shared.reviews = reviews;
    if (approval.approved) return 'approved';
    const rejections = reviews.filter((review) => !review.approved).length;
    return rejections > this.config.max_revisions ? 'rejected' : 'revise';
  }
}

export class ReviseDraft extends Node<ReviewShared> {
  constructor() {
    super({ id: 'revise', step: STEP.revise });
  }
  override post(shared: ReviewShared): void {
    const version = required(shared.version, 'version') + 1;
    const note = shared.reviews?.at(-1)?.note ?? null;
    shared.draft = reviseDraft(required(shared.draft, 'draft'), version, note);
    shared.version = version;
  }
}

/** Writes the article as `article.md` and completes the task as published. */
export class Publish extends Node<ReviewShared, ReviewShared, StoredArtifact> {
  readonly config: ContentReviewParams;
  constructor(config: ContentReviewParams) {
    super({ id: 'publish', step: STEP.publish });
    this.config = config;
  }
  override prep(shared: ReviewShared): ReviewShared {
    return shared;
  }
  override exec(shared: ReviewShared): Promise<StoredArtifact> {
    const article = new TextEncoder().encode(required(shared.draft, 'draft'));
    return servicesOf(this).artifacts.put('article.md', 'text/markdown', article);
  }
  override post(shared: ReviewShared, _prep: ReviewShared, artifact: StoredArtifact): void {
    const approved = shared.reviews?.at(-1)?.approved === true;
    shared.result = conclusion(shared, this.config, 'published', approved ? 'reviewer' : 'deadline', [
      { name: artifact.name, content_type: artifact.content_type, size: artifact.size },
    ]);
  }
}

/** The deadline passed: goes on as `on_timeout` says (`publish` or `discard`). */
export class DeadlinePassed extends Node<ReviewShared> {
  readonly config: ContentReviewParams;
  constructor(config: ContentReviewParams) {
    super({ id: 'deadline_passed' });
    this.config = config;
  }
  override post(): string {
    return this.config.on_timeout;
  }
}

/** Completes the task without publishing: rejected by the reviewer, or discarded at the deadline. */
export class Withdraw extends Node<ReviewShared> {
  readonly config: ContentReviewParams;
  readonly outcome: 'rejected' | 'expired';
  constructor(config: ContentReviewParams, outcome: 'rejected' | 'expired') {
    super({ id: outcome });
    this.config = config;
    this.outcome = outcome;
  }
  override post(shared: ReviewShared): void {
    const decidedBy = this.outcome === 'rejected' ? 'reviewer' : 'deadline';
    shared.result = conclusion(shared, this.config, this.outcome, decidedBy, []);
  }
}
