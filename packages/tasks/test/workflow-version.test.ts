import type { WorkflowDefaults } from '@kaygraph/contracts';
import { Graph, Node } from '@kaygraph/graph';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CatalogWorkflow } from '../src/catalog.ts';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import { testDefaults } from './fixtures/workflow-defaults.ts';

const defaults = testDefaults({ max_retries: 1, retry_delay_seconds: 1, retry_backoff: true });

function workflow(overrides: Partial<CatalogWorkflow> = {}): CatalogWorkflow {
  return {
    name: 'resize',
    description: 'Resizes an image',
    aliases: [],
    params: z.object({ url: z.url(), width: z.number().int().min(1).default(100) }),
    result: z.object({ url: z.url() }),
    signals: { approval: z.object({ approved: z.boolean() }) },
    defaults,
    graph: () => new Graph(new Node()),
    ...overrides,
  };
}

describe('the version a worker registers', () => {
  it('is a hash of the name, the JSON Schemas and the defaults: the same code gives the same version', () => {
    const record = versionRecordOf(workflow());
    expect(record.version).toMatch(/^[0-9a-f]{16}$/);
    expect(versionRecordOf(workflow()).version).toBe(record.version);
    // Key order of the defaults does not matter; the description, aliases and graph do not count.
    const reordered = Object.fromEntries(Object.entries(defaults).reverse()) as WorkflowDefaults;
    const same = versionRecordOf(
      workflow({
        defaults: reordered,
        description: 'other words',
        aliases: ['scale'],
        graph: () => new Graph(new Node()),
      }),
    );
    expect(same.version).toBe(record.version);
    expect(record.params_schema).toMatchObject({
      required: ['url'],
      properties: { width: { default: 100 } },
    });
    expect(record.signals_schema.approval).toMatchObject({ required: ['approved'] });
  });

  it('stays what it was across releases: an upgrade re-versions no unchanged workflow', () => {
    // Changing how versions are computed would strand every user's queued tasks on an upgrade.
    expect(versionRecordOf(workflow()).version).toBe('c54eeb76cceb11c0');
    // A timeout left to the service (null) is the 3600 every such workflow had before.
    const of = (timeout: number | null) =>
      versionRecordOf(workflow({ defaults: { ...defaults, timeout_seconds: timeout } })).version;
    expect(of(null)).toBe(of(3600));
  });

  it('changes with the params, the result, a signal, a default or the name', () => {
    const base = versionRecordOf(workflow()).version;
    const changed = [
      workflow({ params: z.object({ url: z.url(), width: z.number().int().min(1).default(200) }) }),
      workflow({ result: z.object({ url: z.url(), bytes: z.number() }) }),
      workflow({ signals: { approval: z.object({ approved: z.boolean(), note: z.string() }) } }),
      workflow({ defaults: { ...defaults, timeout_seconds: 120 } }),
      // A per-key limit changes how its tasks are fetched: its workers only (no limit hashes as before it existed).
      workflow({ defaults: { ...defaults, concurrency_per_key: 1 } }),
      // So does a rate limit (none hashes as before it existed).
      workflow({ defaults: { ...defaults, rate_limit: { max: 10, per_seconds: 1 } } }),
      workflow({ name: 'resize_v2' }),
    ].map((candidate) => versionRecordOf(candidate).version);
    expect(new Set([base, ...changed]).size).toBe(changed.length + 1);
  });

  it('is the declared version when the workflow declares one, which must be queue-safe', () => {
    expect(versionRecordOf(workflow({ version: '2026.12-a' })).version).toBe('2026.12-a');
    expect(() => versionRecordOf(workflow({ version: 'v1/beta' }))).toThrow(/version/);
  });
});
