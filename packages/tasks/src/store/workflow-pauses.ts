import { sql } from 'drizzle-orm';
import { type Executor, rowsOf, type Transaction } from '../db.ts';

/**
 * Paused workflows (`workflow_controls.paused_at`): no worker claims their tasks; submits still queue them.
 * Workers keep the paused set in memory (this channel, and a read on every poll); the claim itself checks
 * the row too, locking it FOR KEY SHARE, so a pause (which locks it FOR UPDATE) waits for claims in flight
 * and every claim that starts after it sees it.
 */
export const WORKFLOW_PAUSED_CHANNEL = 'workflow_paused';

/** What `WORKFLOW_PAUSED_CHANNEL` carries. */
export interface PauseNotice {
  workflow: string;
  paused: boolean;
}

/** A workflow's pause as stored. */
export interface WorkflowPause {
  pausedAt: Date | null;
  pausedBy: string | null;
}

interface PauseRow {
  paused_at: Date | string | null;
  paused_by: string | null;
}

function pauseOf(row: PauseRow | undefined): WorkflowPause {
  if (!row?.paused_at) return { pausedAt: null, pausedBy: null };
  return { pausedAt: new Date(row.paused_at), pausedBy: row.paused_by };
}

/** Gives each named workflow its row (a workflow version registering): `claimJobs` locks it. */
export async function ensureWorkflowControls(db: Executor, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await db.execute(sql`
    insert into workflow_controls (name)
    select distinct value from jsonb_array_elements_text(${JSON.stringify(names)}::jsonb) order by 1
    on conflict do nothing`);
}

/**
 * Pauses or resumes `workflow` in `tx` and tells every worker (at commit). Pausing takes the row FOR
 * UPDATE: it waits for the claims in flight, which hold it FOR KEY SHARE. Pausing a paused workflow keeps
 * its first `paused_at`. Resolves with the pause as it is now.
 */
export async function setWorkflowPaused(
  tx: Transaction,
  workflow: string,
  paused: boolean,
  by: string,
): Promise<WorkflowPause> {
  await tx.execute(sql`insert into workflow_controls (name) values (${workflow}) on conflict do nothing`);
  const result = await tx.execute(sql`
    with locked as (select name from workflow_controls where name = ${workflow} for update)
    update workflow_controls c set
      paused_at = case when ${paused} then coalesce(c.paused_at, now()) end,
      paused_by = case when ${paused} then coalesce(c.paused_by, ${by}) end
    from locked where c.name = locked.name
    returning c.paused_at, c.paused_by`);
  const notice: PauseNotice = { workflow, paused };
  await tx.execute(sql`select pg_notify(${WORKFLOW_PAUSED_CHANNEL}, ${JSON.stringify(notice)})`);
  return pauseOf(rowsOf<PauseRow>(result)[0]);
}

/** Every paused workflow with its pause. */
export async function pausedWorkflows(db: Executor): Promise<Map<string, WorkflowPause>> {
  const result = await db.execute(
    sql`select name, paused_at, paused_by from workflow_controls where paused_at is not null`,
  );
  return new Map(rowsOf<PauseRow & { name: string }>(result).map((row) => [row.name, pauseOf(row)]));
}

/** Whether `workflow` is paused, read in the claim's transaction (which holds its row). */
export async function isWorkflowPaused(tx: Transaction, workflow: string): Promise<boolean> {
  const result = await tx.execute(
    sql`select 1 from workflow_controls where name = ${workflow} and paused_at is not null`,
  );
  return rowsOf(result).length > 0;
}

/** A claim found its workflow paused: its transaction rolls back, so the jobs it fetched stay queued. */
export class WorkflowPausedError extends Error {
  readonly workflow: string;
  constructor(workflow: string) {
    super(`the workflow "${workflow}" is paused`);
    this.name = 'WorkflowPausedError';
    this.workflow = workflow;
  }
}
