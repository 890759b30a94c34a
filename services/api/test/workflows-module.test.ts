import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveWorkflowsModule } from '@kaygraph/tasks';
import { describe, expect, test } from 'vitest';

/**
 * WORKFLOWS_MODULE as `npm start`, `start:api` and `start:worker` read it: one loader
 * (`resolveWorkflowsModule` from @kaygraph/tasks) for the api, the worker and the worker threads.
 */
describe('WORKFLOWS_MODULE', () => {
  test('a package specifier loads the built-in catalog and names a URL worker threads can import', async () => {
    const workflows = await resolveWorkflowsModule('@kaygraph/workflows/catalog');
    expect(workflows.url).toMatch(/^file:\/\//);
    expect(workflows.catalog.get('document_indexing')?.name).toBe('document_indexing');
    expect(workflows.catalog.get('rag_indexing')?.name).toBe('document_indexing');
    // The URL is what the worker threads import: the same module, the same catalog.
    const again = await import(workflows.url);
    expect(again.catalog.list().map((w: { name: string }) => w.name)).toEqual(
      workflows.catalog.list().map((w) => w.name),
    );
  });

  test('a path relative to the working directory loads that file', async () => {
    const path = relative(process.cwd(), fileURLToPath(new URL('./fixtures/catalog.ts', import.meta.url)));
    const workflows = await resolveWorkflowsModule(`./${path}`);
    expect(workflows.catalog.list().map((w) => w.name)).toContain('echo');
    expect(workflows.url).toBe(new URL('./fixtures/catalog.ts', import.meta.url).href);
  });

  test('a module without a catalog is refused with a message that says what is missing', async () => {
    await expect(resolveWorkflowsModule('@kaygraph/contracts')).rejects.toThrow(
      /@kaygraph\/contracts must export `catalog`/,
    );
  });
});
