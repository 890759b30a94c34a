/**
 * A thread of `profile-thread-memory.ts`: imports the modules it is given, answers with its V8 heap, and
 * stays alive (its memory counted) until the profile terminates it.
 */
import { flushCompileCache } from 'node:module';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

const { modules } = workerData as { modules: string[] };
for (const specifier of modules) await import(specifier);
// What this thread compiled goes into the cache now, as the task runtime's thread entry does.
flushCompileCache();
parentPort?.postMessage({ heapUsedMb: getHeapStatistics().used_heap_size / 2 ** 20 });
setInterval(() => {}, 2 ** 30);
