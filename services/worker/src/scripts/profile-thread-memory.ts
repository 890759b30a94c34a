/**
 * What a live worker thread costs and which of its imports it goes to (`npm run profile:threads -w
 * services/worker [-- --threads 8]`): with the worker's node flags and compile cache, threads that import
 * one more layer of what a task thread loads each time (zod, the contracts, the engine, the authoring
 * entry, the built-in catalog, the package's main entry). Per layer, a fresh process (freed memory is not
 * handed back, so layers cannot share one) starts the threads one after another and reports its RSS per
 * live thread and one thread's V8 heap in use; a process of one thread first fills the compile cache, as a
 * worker's first thread does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { useCompileCache } from '@kaygraph/tasks/process';

const LAYERS: Array<{ name: string; modules: string[] }> = [
  { name: 'a bare worker thread', modules: [] },
  { name: '+ zod', modules: ['zod'] },
  { name: '+ @kaygraph/contracts', modules: ['@kaygraph/contracts'] },
  { name: '+ @kaygraph/graph', modules: ['@kaygraph/graph'] },
  { name: '+ @kaygraph/workflows/authoring', modules: ['@kaygraph/workflows/authoring'] },
  { name: '+ @kaygraph/workflows/catalog (the built-ins)', modules: ['@kaygraph/workflows/catalog'] },
  { name: '+ @kaygraph/workflows (main entry)', modules: ['@kaygraph/workflows'] },
];
const THREAD_FILE = new URL('./profile-thread-layer.ts', import.meta.url);

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

interface LayerFigures {
  perThreadMb: number;
  heapUsedMb: number;
}

/**
 * In this process: `count` threads importing `modules`, started one after another; the RSS they add past
 * the first (which also pays the process's one-time cost of running threads), per thread.
 */
async function measure(modules: string[], count: number): Promise<LayerFigures> {
  let first = 0;
  const started: Worker[] = [];
  let heapUsedMb = 0;
  try {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(THREAD_FILE, {
        workerData: { modules: modules.map((m) => import.meta.resolve(m)) },
      });
      started.push(worker);
      ({ heapUsedMb } = await new Promise<{ heapUsedMb: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }));
      if (i === 0) {
        await settle();
        first = rssMb();
      }
    }
    await settle();
    return { perThreadMb: (rssMb() - first) / Math.max(1, count - 1), heapUsedMb };
  } finally {
    await Promise.all(started.map((worker) => worker.terminate()));
  }
}

/** A fresh process with this one's node flags measures layers 0..`layer`. */
function measureInChild(layer: number, threads: number): LayerFigures {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--layer', String(layer)];
  const out = execFileSync(process.execPath, [...args, '--threads', String(threads)], { encoding: 'utf8' });
  return JSON.parse(out) as LayerFigures;
}

useCompileCache();
const layer = argValue('layer');
const threads = Number(argValue('threads') ?? 8);
if (layer !== undefined) {
  const modules = LAYERS.slice(0, Number(layer) + 1).flatMap((l) => l.modules);
  process.stdout.write(JSON.stringify(await measure(modules, threads)));
} else {
  const flags = process.execArgv.join(' ');
  console.log(`node ${process.version} ${flags}; ${cpus().length} CPUs; ${threads} threads a layer`);
  console.log('| a thread imports | RSS per live thread, past the first (MB) | its V8 heap in use (MB) |');
  console.log('|---|---:|---:|');
  for (const [i, { name }] of LAYERS.entries()) {
    measureInChild(i, 1); // fills the compile cache with what this layer adds
    const { perThreadMb, heapUsedMb } = measureInChild(i, threads);
    console.log(`| ${name} | ${perThreadMb.toFixed(1)} | ${heapUsedMb.toFixed(1)} |`);
  }
}
