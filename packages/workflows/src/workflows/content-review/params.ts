import { z } from 'zod';

export const ContentReviewParams = z.strictObject({
  title: z.string().trim().min(1).max(200),
  /** What the piece says, one paragraph per point, in order. */
  points: z.array(z.string().trim().min(1).max(2000)).min(1).max(50),
  /** Who it is written for (a line under the title). */
  audience: z.string().trim().min(1).max(200).optional(),
  /** Sentences in the summary the reviewer reads first. */
  summary_sentences: z.number().int().min(1).max(10).default(2),
  /** How long each review round may take before the deadline passes. */
  review_seconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(86_400),
  /** What a passed deadline does: publish the draft as it is, or discard it. */
  on_timeout: z.enum(['publish', 'discard']).default('discard'),
  /** Rejections the draft is revised after; the next one rejects it for good. */
  max_revisions: z.number().int().min(0).max(10).default(2),
});
export type ContentReviewParams = z.output<typeof ContentReviewParams>;

/** The signals a content_review task waits for. */
export const ContentReviewSignals = {
  /**
   * The reviewer's verdict on the current version; a rejection's note goes into the revision. Strict, as
   * the params are: a misspelt `notes` is refused, not dropped with the reviewer's words.
   */
  approval: z.strictObject({
    approved: z.boolean(),
    note: z.string().trim().min(1).max(2000).optional(),
  }),
} as const;
export type Approval = z.output<typeof ContentReviewSignals.approval>;

export const Review = z.object({
  version: z.number().int().min(1),
  approved: z.boolean(),
  note: z.string().nullable(),
});
export type Review = z.output<typeof Review>;

export const ContentReviewResult = z.object({
  /** published: approved (or the deadline passed with on_timeout publish); rejected; expired: discarded at the deadline. */
  outcome: z.enum(['published', 'rejected', 'expired']),
  /** Who decided: a reviewer's signal or the deadline. */
  decided_by: z.enum(['reviewer', 'deadline']),
  title: z.string(),
  version: z.number().int().min(1),
  summary: z.string(),
  words: z.number().int(),
  reviews: z.array(Review),
  artifacts: z.array(z.object({ name: z.string(), content_type: z.string(), size: z.number().int() })),
});
export type ContentReviewResult = z.output<typeof ContentReviewResult>;
