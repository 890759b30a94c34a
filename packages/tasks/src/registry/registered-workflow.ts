import type { WorkflowDefaults } from '@kaygraph/contracts';
import type { StoredWorkflowVersion } from '../store/registry.ts';
import type { Issue, JsonSchemaCompiler } from './json-schema-check.ts';

export type ParamsCheck = { ok: true; params: Record<string, unknown> } | { ok: false; issues: Issue[] };

/** How a signal sent to a task checks against what its workflow version declares. */
export type SignalCheck =
  | { ok: true; payload: unknown }
  | { ok: false; reason: 'unknown_signal'; message: string }
  | { ok: false; reason: 'invalid_payload'; issues: Issue[] };

/**
 * A registered workflow version, as the task service sees it: no workflow code, only what its workers
 * registered, with validators compiled from its JSON Schemas.
 */
export interface RegisteredWorkflow {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly aliases: readonly string[];
  readonly defaults: WorkflowDefaults;
  /** Params against the registered schema, defaults applied; issues name the field under `at` (`params.rows`). */
  checkParams(params: unknown, at: string): ParamsCheck;
  /** A signal's payload against the schema the version declares for it, defaults applied. */
  checkSignal(name: string, payload: unknown): SignalCheck;
}

export function registeredWorkflow(
  stored: StoredWorkflowVersion,
  schemas: JsonSchemaCompiler,
): RegisteredWorkflow {
  const params = schemas.compile(stored.params_schema);
  const signals = new Map(
    Object.entries(stored.signals_schema).map(([name, schema]) => [name, schemas.compile(schema)]),
  );
  return {
    name: stored.name,
    version: stored.version,
    description: stored.description,
    aliases: stored.aliases,
    defaults: stored.defaults,
    checkParams(value, at) {
      const checked = params(value, at);
      if (!checked.ok) return checked;
      return { ok: true, params: (checked.value ?? {}) as Record<string, unknown> };
    },
    checkSignal(name, payload) {
      const check = signals.get(name);
      if (!check) {
        const known = [...signals.keys()];
        return {
          ok: false,
          reason: 'unknown_signal',
          message:
            known.length === 0
              ? `workflow "${stored.name}" takes no signals`
              : `workflow "${stored.name}" has no signal "${name}" (it has: ${known.join(', ')})`,
        };
      }
      const checked = check(payload, '');
      return checked.ok
        ? { ok: true, payload: checked.value }
        : { ok: false, reason: 'invalid_payload', issues: checked.issues };
    },
  };
}
