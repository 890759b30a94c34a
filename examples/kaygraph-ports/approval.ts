/**
 * A node that reports progress and logs while it drafts, then waits (holding no worker) for an
 * `approval` signal; the payload picks the edge.
 */
import { Graph, Node, WaitNode } from '@kaygraph/graph';
import { defineWorkflow, waitForDeclared } from '@kaygraph/workflows/authoring';
import { z } from 'zod';

const signals = { approval: z.object({ approved: z.boolean(), note: z.string().optional() }) };
type Approval = z.output<(typeof signals)['approval']>;

interface ApprovalShared {
  draft?: string;
  result?: { outcome: 'published' | 'rejected'; draft: string; note: string | null };
}

class Draft extends Node<ApprovalShared, string[], string> {
  readonly sections: string[];

  constructor(sections: string[]) {
    super({ id: 'draft', step: 'Write draft' });
    this.sections = sections;
  }

  override prep(): string[] {
    return this.sections;
  }

  override async exec(sections: string[]): Promise<string> {
    const written: string[] = [];
    for (const [index, section] of sections.entries()) {
      written.push(`## ${section}`);
      this.ctx.progress({ percent: ((index + 1) / sections.length) * 100, message: `wrote ${section}` });
      this.ctx.log('info', `section ${index + 1} of ${sections.length} written`, { section });
      await new Promise((resolve) => setImmediate(resolve));
    }
    return written.join('\n');
  }

  override post(shared: ApprovalShared, _sections: string[], draft: string): void {
    shared.draft = draft;
  }
}

class AwaitApproval extends WaitNode<ApprovalShared, undefined, Approval> {
  constructor() {
    super({ id: 'await_approval', step: 'Wait for approval' });
  }

  override exec() {
    return waitForDeclared(signals, 'approval');
  }

  override post(shared: ApprovalShared, _prep: undefined, approval: Approval): string {
    shared.result = {
      outcome: approval.approved ? 'published' : 'rejected',
      draft: shared.draft ?? '',
      note: approval.note ?? null,
    };
    return approval.approved ? 'approved' : 'rejected';
  }
}

class Publish extends Node<ApprovalShared> {
  constructor() {
    super({ id: 'publish', step: 'Publish' });
  }

  override post(): void {
    this.ctx.log('info', 'published');
  }
}

export const approval = defineWorkflow({
  name: 'port_approval',
  description: 'Drafts with progress and logs, then waits for an approval signal.',
  params: z.strictObject({ sections: z.array(z.string()).min(1) }),
  result: z.object({
    outcome: z.enum(['published', 'rejected']),
    draft: z.string(),
    note: z.string().nullable(),
  }),
  signals,
  defaults: { max_retries: 0, timeout_seconds: 60 },
  inline: true,
  graph: ({ sections }) => {
    const draft = new Draft(sections);
    const review = draft.next(new AwaitApproval());
    review.on('approved', new Publish());
    return new Graph<ApprovalShared>(draft);
  },
});
