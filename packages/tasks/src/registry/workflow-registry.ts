import type { VersionState, WorkflowInfo, WorkflowVersionInfo } from '@kaygraph/contracts';
import type { Executor } from '../db.ts';
import type { EventBus } from '../events/event-bus.ts';
import {
  allVersions,
  registerVersions,
  type StoredWorkflowVersion,
  servingWorkers,
  unfinishedByVersion,
  versionsNamed,
  type WorkflowVersionRecord,
} from '../store/registry.ts';
import { pausedWorkflows } from '../store/workflow-pauses.ts';
import { JsonSchemaCompiler } from './json-schema-check.ts';
import { type RegisteredWorkflow, registeredWorkflow } from './registered-workflow.ts';

/**
 * The version a name (or alias) resolves to now: a version with live workers before one without (a
 * rollback to an older version takes effect once the newer workers are gone); of several with live
 * workers, the one registered first most recently (a rolling deploy moves new tasks to the new version as
 * soon as its first worker is up); with none live, the one last in service (registered or served), so a
 * restart of every worker does not move new tasks to a version that was rolled back. An exact name wins
 * over an alias.
 */
function currentVersion(
  rows: readonly StoredWorkflowVersion[],
  name: string,
): StoredWorkflowVersion | undefined {
  const exact = rows.filter((row) => row.name === name);
  const candidates = exact.length > 0 ? exact : rows.filter((row) => row.aliases.includes(name));
  // Instants compared as numbers: the text of a timestamp depends on the session's time zone.
  const newer = (a: string, b: string) => Date.parse(b) - Date.parse(a);
  return [...candidates].sort(
    (a, b) =>
      Number(b.live_workers > 0) - Number(a.live_workers > 0) ||
      (a.live_workers > 0 ? 0 : newer(a.last_active_at, b.last_active_at)) ||
      newer(a.first_registered_at, b.first_registered_at) ||
      a.version.localeCompare(b.version),
  )[0];
}

/**
 * The workflows workers registered, as PostgreSQL holds them. What a name resolves to is kept between
 * submits while the registry's change notifications are heard (`followChanges`) and dropped on each of
 * them (a version registered, a worker stopped or reaped) and after a reconnect; validators are compiled
 * once per version and schema.
 */
export class WorkflowRegistry {
  readonly #db: Executor;
  readonly #leaseSeconds: number;
  readonly #schemas = new JsonSchemaCompiler();
  readonly #compiled = new Map<string, { source: string; workflow: RegisteredWorkflow }>();
  /** Resolutions by name or alias: only names that resolved (an unknown name is looked up every time). */
  readonly #resolved = new Map<string, RegisteredWorkflow>();
  #heard = false;
  /** Counts changes: a lookup that overlapped one does not keep what it read. */
  #generation = 0;

  constructor(db: Executor, leaseSeconds: number) {
    this.#db = db;
    this.#leaseSeconds = leaseSeconds;
  }

  /**
   * Keeps resolutions once `bus` listens to registry changes; drops them on every change it hears and
   * whenever it LISTENs again after an outage (notifications may have been missed meanwhile).
   */
  followChanges(bus: EventBus): void {
    bus.onRegistryChanged(() => this.#forget());
    bus.onReconnect(() => this.#forget());
    bus.listening('registry').then(
      () => {
        this.#heard = true;
      },
      () => undefined,
    );
  }

  #forget(): void {
    this.#generation++;
    this.#resolved.clear();
  }

  /** Records versions, served by `workerId` when given (else published ahead of their workers). */
  async register(
    records: readonly WorkflowVersionRecord[],
    workerId: string | null,
    db: Executor = this.#db,
  ): Promise<void> {
    await registerVersions(db, records, workerId);
    this.#forget();
  }

  /** The current version of each name or alias that is registered; `db`: the caller's transaction. */
  async resolve(names: readonly string[], db: Executor = this.#db): Promise<Map<string, RegisteredWorkflow>> {
    const unique = [...new Set(names)];
    const kept = unique.flatMap((name) => {
      const workflow = this.#resolved.get(name);
      return workflow ? [[name, workflow] as const] : [];
    });
    if (this.#heard && kept.length === unique.length) return new Map(kept);
    const generation = this.#generation;
    const rows = await versionsNamed(db, unique, this.#leaseSeconds);
    const resolved = new Map<string, RegisteredWorkflow>();
    for (const name of unique) {
      const current = currentVersion(rows, name);
      if (current) resolved.set(name, this.#compile(current));
    }
    if (this.#heard && generation === this.#generation) {
      for (const [name, workflow] of resolved) this.#resolved.set(name, workflow);
    }
    return resolved;
  }

  /**
   * The registered version a task was validated against (what its signals are checked against); a task
   * from before versions were recorded (`version` null) gets the current version.
   */
  async version(
    name: string,
    version: string | null,
    db: Executor = this.#db,
  ): Promise<RegisteredWorkflow | undefined> {
    if (version === null) return (await this.resolve([name], db)).get(name);
    const rows = await versionsNamed(db, [name], this.#leaseSeconds);
    const stored = rows.find((row) => row.name === name && row.version === version);
    return stored ? this.#compile(stored) : undefined;
  }

  /**
   * Whether a live worker runs `version` of the workflow a task was submitted to (`name`: its name then,
   * an alias after a rename), else whether that version is still current; undefined: not registered.
   */
  async versionState(
    name: string,
    version: string,
    db: Executor = this.#db,
  ): Promise<VersionState | undefined> {
    const rows = await versionsNamed(db, [name], this.#leaseSeconds);
    const matching = rows.filter((row) => row.version === version);
    const stored = matching.find((row) => row.name === name) ?? matching[0];
    if (!stored) return undefined;
    if (stored.live_workers > 0) return 'served';
    const own = rows.filter((row) => row.name === stored.name);
    return currentVersion(own, stored.name) === stored ? 'awaiting_worker' : 'retired';
  }

  /** Names of every registered workflow, sorted. */
  async names(db: Executor = this.#db): Promise<string[]> {
    const rows = await allVersions(db, this.#leaseSeconds);
    return [...new Set(rows.map((row) => row.name))].sort();
  }

  /** Every name `resolve` knows: registered names and their aliases (a workflow's former names), sorted. */
  async knownNames(db: Executor = this.#db): Promise<string[]> {
    const rows = await allVersions(db, this.#leaseSeconds);
    return [...new Set(rows.flatMap((row) => [row.name, ...row.aliases]))].sort();
  }

  /**
   * Every registered workflow as `workflows.list` shows it: its current version's schemas, and each
   * version that is current or still has live workers or unfinished tasks, with the workers serving it.
   * `owner`: count only that owner's unfinished tasks (a caller who is not an admin); else every owner's.
   * `workerHosts`: whether to say where workers run (host and pid): for operators only, so never a default.
   */
  async list(options: { owner?: string | undefined; workerHosts: boolean }): Promise<WorkflowInfo[]> {
    const hosts = options.workerHosts;
    const [rows, workers, unfinished, paused] = await Promise.all([
      allVersions(this.#db, this.#leaseSeconds),
      servingWorkers(this.#db, this.#leaseSeconds),
      unfinishedByVersion(this.#db, options.owner),
      pausedWorkflows(this.#db),
    ]);
    const key = (name: string, version: string | null) => `${name}/${version}`;
    const left = new Map(unfinished.map((row) => [key(row.workflow, row.version), row.tasks]));
    const names = [...new Set(rows.map((row) => row.name))].sort();
    return names.flatMap((name): WorkflowInfo[] => {
      const own = rows.filter((row) => row.name === name);
      const current = currentVersion(own, name);
      if (!current) return [];
      const versions = own
        .map(
          (row): WorkflowVersionInfo => ({
            version: row.version,
            current: row === current,
            first_registered_at: isoTime(row.first_registered_at),
            last_registered_at: isoTime(row.last_registered_at),
            unfinished_tasks: left.get(key(name, row.version)) ?? 0,
            workers: workers
              .filter((worker) => worker.name === name && worker.version === row.version)
              .map(({ id, host, pid, last_seen_at }) => ({
                id,
                host: hosts ? host : null,
                pid: hosts ? pid : null,
                last_seen_at: isoTime(last_seen_at),
              })),
          }),
        )
        .filter((info) => info.current || info.workers.length > 0 || info.unfinished_tasks > 0)
        .sort((a, b) => b.first_registered_at.localeCompare(a.first_registered_at));
      return [
        {
          name,
          version: current.version,
          description: current.description,
          aliases: current.aliases,
          params_schema: current.params_schema,
          result_schema: current.result_schema,
          signals_schema: current.signals_schema,
          defaults: current.defaults,
          versions,
          paused: paused.has(name),
          paused_at: paused.get(name)?.pausedAt?.toISOString() ?? null,
        },
      ];
    });
  }

  #compile(stored: StoredWorkflowVersion): RegisteredWorkflow {
    const id = `${stored.name}/${stored.version}`;
    // A declared version may be registered again with other schemas: the latest ones count.
    const source = JSON.stringify([
      stored.params_schema,
      stored.signals_schema,
      stored.defaults,
      stored.aliases,
    ]);
    const cached = this.#compiled.get(id);
    if (cached?.source === source) return cached.workflow;
    const workflow = registeredWorkflow(stored, this.#schemas);
    this.#compiled.set(id, { source, workflow });
    return workflow;
  }
}

/** A timestamp PostgreSQL printed, as every other answer carries one: ISO 8601 in UTC, to the millisecond. */
function isoTime(text: string): string {
  return new Date(text).toISOString();
}
