import { Graph } from '@kaygraph/graph';
import { builtinWorkflow } from '../../builtin-workflow.ts';
import { defineWorkflow } from '../../define.ts';
import {
  AwaitApproval,
  DeadlinePassed,
  Publish,
  type ReviewShared,
  ReviseDraft,
  Summarize,
  Withdraw,
  WriteDraft,
} from './nodes.ts';
import { ContentReviewParams, ContentReviewResult, ContentReviewSignals } from './params.ts';

export const contentReview = builtinWorkflow(
  defineWorkflow({
    name: 'content_review',
    description:
      'Writes a draft from a title and points, summarizes it, then waits (holding no worker) for a ' +
      "reviewer's `approval` signal ({ approved, note? }) until a deadline: approved publishes article.md, " +
      'rejected revises with the note and asks again (up to max_revisions), a passed deadline publishes ' +
      'or discards as on_timeout says.',
    params: ContentReviewParams,
    result: ContentReviewResult,
    signals: ContentReviewSignals,
    defaults: { max_retries: 3, timeout_seconds: 600 },
    graph: (params) => {
      const draft = new WriteDraft(params);
      const summary = new Summarize(params.summary_sentences);
      const review = new AwaitApproval(params);
      const publish = new Publish(params);
      const deadline = new DeadlinePassed(params);
      draft.next(summary).next(review);
      review.on('approved', publish);
      review.on('revise', new ReviseDraft()).next(summary);
      review.on('rejected', new Withdraw(params, 'rejected'));
      review.on('timeout', deadline);
      deadline.on('publish', publish);
      deadline.on('discard', new Withdraw(params, 'expired'));
      return new Graph<ReviewShared>(draft);
    },
  }),
);

export { type Approval, ContentReviewParams, ContentReviewResult, ContentReviewSignals } from './params.ts';
