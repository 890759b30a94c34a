import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';

/** Every module URL a fresh thread resolves while it imports `modules` (what a task thread loads). */
async function threadModules(modules: string[]): Promise<string[]> {
  const code = `
    const { registerHooks } = require('node:module');
    const { workerData, parentPort } = require('node:worker_threads');
    const seen = [];
    registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); seen.push(r.url); return r; } });
    (async () => { for (const m of workerData.modules) await import(m); parentPort.postMessage(seen); })();`;
  const worker = new Worker(code, { eval: true, workerData: { modules } });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

test("a task thread loads the run's contracts only, not the API's whole contracts entry", async () => {
  const taskThread = new URL('../../../packages/tasks/src/worker/task-thread.ts', import.meta.url).href;
  const loaded = await threadModules([taskThread, import.meta.resolve('@kaygraph/workflows/catalog')]);
  const contracts = loaded.filter((url) => url.includes('/contracts/src/'));
  expect(contracts.length).toBeGreaterThan(0);
  expect(contracts.map((url) => fileURLToPath(url).split('/contracts/src/')[1])).not.toContain('index.ts');
});
