import type { WorkflowDefaults } from '@kaygraph/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { type Executor, recordsJson, rowsOf } from '../db.ts';
import { ensureWorkflowControls } from './workflow-pauses.ts';

/**
 * The workflow registry: `workflow_versions` holds every version a worker (or a publish) registered, with
 * its JSON Schemas; `worker_workflows` which worker serves which version. A worker counts while its
 * `workers` row is live: not stopped, not reaped, seen within the lease.
 */

/**
 * Announced (at commit) whenever what a submit would resolve may have changed: a version registered, a
 * worker stopped or reaped. Registries that cache their resolutions drop them.
 */
export const WORKFLOW_REGISTRY_CHANNEL = 'workflow_registry';

export async function notifyRegistryChanged(db: Executor): Promise<void> {
  await db.execute(sql`select pg_notify(${WORKFLOW_REGISTRY_CHANNEL}, '')`);
}

/** A workflow version as it is registered. */
export interface WorkflowVersionRecord {
  name: string;
  version: string;
  description: string;
  aliases: string[];
  params_schema: Record<string, unknown>;
  result_schema: Record<string, unknown> | null;
  /** JSON Schema of each declared signal's payload, by signal name. */
  signals_schema: Record<string, Record<string, unknown>>;
  defaults: WorkflowDefaults;
  /** Registered by the service's built-in catalog (once true for a version, it stays true). */
  builtin: boolean;
}

/** A registered version with when it was registered and how many live workers serve it. */
export interface StoredWorkflowVersion extends WorkflowVersionRecord {
  first_registered_at: string;
  last_registered_at: string;
  /** Its last sign of being in service: registered, or seen (until stopped) by a worker serving it. */
  last_active_at: string;
  live_workers: number;
}

/** A live worker serving a version. */
export interface ServingWorkerRow {
  name: string;
  version: string;
  id: string;
  host: string;
  pid: number;
  last_seen_at: string;
}

function liveWorker(leaseSeconds: number): SQL {
  return sql`w.stopped_at is null and w.reaped_at is null
    and w.last_seen_at > now() - make_interval(secs => ${leaseSeconds})`;
}

/** `records` as rows of a query (`with x as (...)`). */
function versionRecordsSql(records: readonly WorkflowVersionRecord[]): SQL {
  return sql`select * from jsonb_to_recordset(${recordsJson(records)}::jsonb) as x(name text, version text,
    description text, aliases text[], params_schema jsonb, result_schema jsonb, signals_schema jsonb,
    defaults jsonb, builtin boolean)`;
}

/**
 * Records versions (a version registered again takes the latest description, aliases and schemas) and,
 * with `workerId`, that this worker serves them. Rows are written in key order, so workers starting
 * together never deadlock.
 */
export async function registerVersions(
  db: Executor,
  records: readonly WorkflowVersionRecord[],
  workerId: string | null,
): Promise<void> {
  if (records.length === 0) return;
  await db.execute(sql`
    with x as (${versionRecordsSql(records)}), registered as (
      insert into workflow_versions as v (name, version, description, aliases, params_schema, result_schema,
        signals_schema, defaults, builtin)
      select name, version, description, aliases, params_schema, result_schema, signals_schema, defaults, builtin
      from x order by name, version
      on conflict (name, version) do update set description = excluded.description,
        aliases = excluded.aliases, params_schema = excluded.params_schema,
        result_schema = excluded.result_schema, signals_schema = excluded.signals_schema,
        defaults = excluded.defaults, builtin = v.builtin or excluded.builtin, last_registered_at = now()
      returning v.name, v.version
    )
    insert into worker_workflows (worker_id, name, version)
    select ${workerId}::uuid, name, version from registered
    where ${workerId}::uuid is not null
    order by name, version
    on conflict do nothing`);
  await ensureWorkflowControls(
    db,
    records.map((record) => record.name),
  );
  await notifyRegistryChanged(db);
}

/** A version registered with other schemas or defaults than `records` say, while live workers serve it. */
export interface VersionConflict {
  name: string;
  version: string;
  /** What differs: `params`, `result`, `signals`, `defaults`. */
  differs: string[];
}

/** Defaults added after versions were first registered, as their absence reads: a null each. */
const UNSET_LATER_DEFAULTS = JSON.stringify({ concurrency_per_key: null, rate_limit: null });

/** The versions of `records` already registered otherwise and served by live workers. */
export async function liveVersionConflicts(
  db: Executor,
  records: readonly WorkflowVersionRecord[],
  leaseSeconds: number,
): Promise<VersionConflict[]> {
  if (records.length === 0) return [];
  return rowsOf<VersionConflict>(
    await db.execute(sql`
      with x as (${versionRecordsSql(records)}), d as (
        select v.name, v.version, array_remove(array[
          case when v.params_schema is distinct from x.params_schema then 'params' end,
          case when v.result_schema is distinct from x.result_schema then 'result' end,
          case when v.signals_schema is distinct from x.signals_schema then 'signals' end,
          -- Versions registered before concurrency_per_key or rate_limit lack them: absent and null are the
          -- same defaults.
          case when ${UNSET_LATER_DEFAULTS}::jsonb || v.defaults is distinct from ${UNSET_LATER_DEFAULTS}::jsonb || x.defaults
            then 'defaults' end], null) as differs
        from x join workflow_versions v on v.name = x.name and v.version = x.version
      )
      select name, version, differs from d
      where cardinality(differs) > 0 and exists (
        select 1 from worker_workflows ww join workers w on w.id = ww.worker_id
        where ww.name = d.name and ww.version = d.version and ${liveWorker(leaseSeconds)})
      order by name, version`),
  );
}

const VERSION_COLUMNS = (leaseSeconds: number) => sql`v.name, v.version, v.description, v.aliases,
  v.params_schema, v.result_schema, v.signals_schema, v.defaults, v.builtin,
  to_json(v.first_registered_at) #>> '{}' as first_registered_at,
  to_json(v.last_registered_at) #>> '{}' as last_registered_at,
  to_json(greatest(v.last_registered_at, (select max(coalesce(w.stopped_at, w.last_seen_at))
    from worker_workflows ww join workers w on w.id = ww.worker_id
    where ww.name = v.name and ww.version = v.version))) #>> '{}' as last_active_at,
  (select count(*)::int from worker_workflows ww join workers w on w.id = ww.worker_id
    where ww.name = v.name and ww.version = v.version and ${liveWorker(leaseSeconds)}) as live_workers`;

/** Every version of the workflows named, or aliased, by one of `names`. */
export async function versionsNamed(
  db: Executor,
  names: readonly string[],
  leaseSeconds: number,
): Promise<StoredWorkflowVersion[]> {
  if (names.length === 0) return [];
  return rowsOf<StoredWorkflowVersion>(
    await db.execute(sql`
      with n as (select array(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb)) as names)
      select ${VERSION_COLUMNS(leaseSeconds)} from workflow_versions v, n
      where v.name = any(n.names) or v.aliases && n.names`),
  );
}

/** A name (or alias) the built-in catalog registered, with the built-in workflow it belongs to. */
export interface BuiltinName {
  name: string;
  workflow: string;
}

/** Which of `names` a built-in workflow registered on this database, as its name or an alias. */
export async function builtinNamesAmong(db: Executor, names: readonly string[]): Promise<BuiltinName[]> {
  if (names.length === 0) return [];
  return rowsOf<BuiltinName>(
    await db.execute(sql`
      with n as (select array(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb)) as names)
      select distinct taken.name, v.name as workflow
      from workflow_versions v, n, unnest(array[v.name] || v.aliases) as taken(name)
      where v.builtin and taken.name = any(n.names)
      order by taken.name, workflow`),
  );
}

/** Every registered version. */
export async function allVersions(db: Executor, leaseSeconds: number): Promise<StoredWorkflowVersion[]> {
  return rowsOf<StoredWorkflowVersion>(
    await db.execute(sql`select ${VERSION_COLUMNS(leaseSeconds)} from workflow_versions v`),
  );
}

/** The live workers of every version, by workflow name and version. */
export async function servingWorkers(db: Executor, leaseSeconds: number): Promise<ServingWorkerRow[]> {
  return rowsOf<ServingWorkerRow>(
    await db.execute(sql`
      select ww.name, ww.version, w.id, w.host, w.pid, to_json(w.last_seen_at) #>> '{}' as last_seen_at
      from worker_workflows ww join workers w on w.id = ww.worker_id
      where ${liveWorker(leaseSeconds)}
      order by ww.name, ww.version, w.host, w.pid`),
  );
}

/** How many worker processes are live (whatever they serve): what `GET /metrics` reports as `workers`. */
export async function countLiveWorkers(db: Executor, leaseSeconds: number): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from workers w where ${liveWorker(leaseSeconds)}`),
  );
  return row?.n ?? 0;
}

/** A version, other than the one a worker registers, whose tasks still need a run that no live worker gives. */
export interface StrandedVersion {
  /** The workflow the tasks are stored under: the worker's workflow, or a former name of it (an alias). */
  name: string;
  /** The version the worker registers. */
  served: string;
  version: string;
  tasks: number;
}

/**
 * For each of `records`, the other versions of its workflow (by its name or an alias) with tasks that still
 * need a run (queued, scheduled, blocked, pending or waiting) and no live worker to run them. Tasks keep the
 * name they were stored under, and only workers registered under it run them: checked and reported by it.
 */
export async function strandedVersions(
  db: Executor,
  records: readonly WorkflowVersionRecord[],
  leaseSeconds: number,
): Promise<StrandedVersion[]> {
  if (records.length === 0) return [];
  return rowsOf<StrandedVersion>(
    await db.execute(sql`
      with x as (${versionRecordsSql(records)})
      select t.workflow as name, x.version as served, t.workflow_version as version, count(*)::int as tasks
      from x join tasks t on (t.workflow = x.name or t.workflow = any(x.aliases))
      where t.completed_at is null and t.workflow_version <> x.version
        and t.status in ('pending', 'blocked', 'scheduled', 'queued', 'waiting')
        and not exists (
          select 1 from worker_workflows ww join workers w on w.id = ww.worker_id
          where ww.name = t.workflow and ww.version = t.workflow_version and ${liveWorker(leaseSeconds)})
      group by t.workflow, x.version, t.workflow_version
      order by t.workflow, t.workflow_version`),
  );
}

/** Unfinished tasks by workflow and version (what a version still has to drain), of one owner or all. */
export async function unfinishedByVersion(
  db: Executor,
  owner: string | undefined,
): Promise<{ workflow: string; version: string | null; tasks: number }[]> {
  return rowsOf(
    await db.execute(sql`
      select workflow, workflow_version as version, count(*)::int as tasks from tasks
      where completed_at is null ${owner === undefined ? sql`` : sql`and owner = ${owner}`}
      group by workflow, workflow_version`),
  );
}

/** Workflows of `names` with unfinished tasks submitted before versions were recorded (migration 0006). */
export async function workflowsWithUnversionedTasks(
  db: Executor,
  names: readonly string[],
): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = rowsOf<{ workflow: string }>(
    await db.execute(sql`
      select distinct workflow from tasks
      where completed_at is null and workflow_version is null
        and workflow = any(array(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb)))`),
  );
  return rows.map((row) => row.workflow);
}
