import { createHash } from 'node:crypto';
import { WorkflowVersion } from '@kaygraph/contracts';
import { z } from 'zod';
import type { CatalogWorkflow } from '../catalog.ts';
import type { WorkflowVersionRecord } from '../store/registry.ts';

/** JSON Schema of a zod schema; parts JSON Schema cannot express become `{}` (the worker still checks them). */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io }) as Record<string, unknown>;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a timeout left to the service hashes as: the default every workflow had before it could be null. */
const TIMEOUT_HASHED_FOR_NONE = 3600;

/**
 * What a worker registers for a workflow: its JSON Schemas (params as a client sends them, result as the
 * workflow returns it, each signal's payload) and defaults, under its version. The version is the one the
 * workflow declares, else the first 16 hex digits of the SHA-256 of its name, schemas and defaults: code
 * that changes none of them keeps its version (its queued tasks stay runnable); a change of params, result,
 * signals or defaults is a new version, whose tasks only its own workers claim.
 */
export function versionRecordOf(workflow: CatalogWorkflow): WorkflowVersionRecord {
  const contents = {
    name: workflow.name,
    params_schema: jsonSchemaOf(workflow.params, 'input'),
    result_schema: workflow.result ? jsonSchemaOf(workflow.result, 'output') : null,
    signals_schema: Object.fromEntries(
      Object.entries(workflow.signals ?? {}).map(([name, schema]) => [name, jsonSchemaOf(schema, 'input')]),
    ),
    defaults: workflow.defaults,
  };
  const declared = workflow.version === undefined ? undefined : WorkflowVersion.safeParse(workflow.version);
  if (declared && !declared.success) {
    throw new TypeError(`workflow "${workflow.name}" version: ${declared.error.issues[0]?.message}`);
  }
  // A timeout left to the service (null) hashes as the value that stood for it before, so a workflow
  // that gives none keeps the version it had (its queued tasks stay runnable across the upgrade). An
  // explicit 3600 and none share a version; the last registration's defaults count for new tasks.
  // No per-key limit and no rate limit hash as the defaults did before those settings existed: the
  // versions stay as they were.
  const { concurrency_per_key: perKey, rate_limit: rateLimit, ...defaults } = contents.defaults;
  const hashed = {
    ...contents,
    defaults: {
      ...defaults,
      ...(perKey === null ? {} : { concurrency_per_key: perKey }),
      ...(rateLimit === null ? {} : { rate_limit: rateLimit }),
      timeout_seconds: contents.defaults.timeout_seconds ?? TIMEOUT_HASHED_FOR_NONE,
    },
  };
  const version =
    declared?.data ?? createHash('sha256').update(canonicalJson(hashed)).digest('hex').slice(0, 16);
  return {
    ...contents,
    version,
    description: workflow.description,
    aliases: [...workflow.aliases],
    builtin: workflow.builtin === true,
  };
}
