import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';

/**
 * A resolve hook (module.register, Node 20.6+) that posts every URL it resolves on the port it is given.
 */
const RECORDING_HOOKS = `data:text/javascript,${encodeURIComponent(`
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    port.postMessage(resolved.url);
    return resolved;
  }`)}`;

/** Every URL a fresh thread's imports resolve while it imports `modules` (require() in CommonJS not seen). */
async function threadModules(modules: string[]): Promise<string[]> {
  const code = `
    const { register } = require('node:module');
    const { MessageChannel, workerData, parentPort } = require('node:worker_threads');
    const seen = [];
    const { port1, port2 } = new MessageChannel();
    // The hooks post from their own thread, in order: the last import's URL comes after all the others.
    const last = 'data:text/javascript,export{}';
    port1.on('message', (url) => {
      if (url !== last) return seen.push(url);
      port1.close();
      parentPort.postMessage(seen);
    });
    register(workerData.hooks, { data: { port: port2 }, transferList: [port2] });
    (async () => {
      for (const m of workerData.modules) await import(m);
      await import(last);
    })();`;
  const worker = new Worker(code, { eval: true, workerData: { modules, hooks: RECORDING_HOOKS } });
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
