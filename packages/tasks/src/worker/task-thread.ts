import { flushCompileCache } from 'node:module';
import type { WorkflowsModule } from '../catalog.ts';
import { CheckpointRefusedError } from './checkpoint-refused.ts';
import { loadWorkflowsModule, servicesFactoryOf } from './load-workflows-module.ts';
import { type RunServicesFactory, runWorkflow, type WorkflowRunOutcome } from './run-workflow.ts';
import type { MainToThread, ThreadTask, ThreadToMain } from './thread-protocol.ts';

/** This thread's workflows module and services factory, loaded by its first task (one module per pool). */
let loaded: Promise<{ module: WorkflowsModule; services: RunServicesFactory }> | undefined;

function threadWorkflows(task: ThreadTask) {
  loaded ??= loadWorkflowsModule(task.workflowsModule).then((module) => {
    // With the compile cache on, what only threads compile (modules the main thread never loaded) is cached
    // for the next ones.
    flushCompileCache();
    return {
      module,
      services: servicesFactoryOf(module, { ...task.servicesOptions, databaseUrl: task.databaseUrl }),
    };
  });
  // A failed load is tried again by the next task.
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/**
 * Entry of a piscina pool thread: loads the workflows module (once per thread) and runs one task, talking
 * to the main thread over the task's MessagePort. Runs in its own isolate, so a CPU-bound workflow cannot
 * starve the main thread's heartbeats, cancel listener or other tasks.
 */
export default async function runThreadTask(task: ThreadTask): Promise<WorkflowRunOutcome> {
  const { port } = task;
  const controller = new AbortController();
  const acks = new Map<number, (ok: boolean, refused?: string) => void>();
  let nextId = 0;
  port.on('message', (message: MainToThread) => {
    if (message.type === 'abort') controller.abort(message.reason);
    else acks.get(message.id)?.(message.ok, message.refused);
  });
  const send = (message: ThreadToMain) => port.postMessage(message);
  try {
    const { module, services } = await threadWorkflows(task);
    return await runWorkflow(
      module.catalog,
      task.request,
      {
        signal: controller.signal,
        onProgress: (progress) => send({ type: 'progress', progress }),
        onLog: (level, message, data) =>
          send({ type: 'log', level, message, ...(data === undefined ? {} : { data }) }),
        onReportFailed: (report, error) => send({ type: 'report-failed', report, error }),
        onAbortedIn: (nodeId) => send({ type: 'aborted-in', nodeId }),
        onCheckpoint: (checkpoint) =>
          new Promise<void>((resolve, reject) => {
            const id = nextId++;
            acks.set(id, (ok, refused) => {
              acks.delete(id);
              if (ok) resolve();
              else if (refused !== undefined) reject(new CheckpointRefusedError(refused));
              else reject(new Error('the checkpoint could not be stored'));
            });
            send({ type: 'checkpoint', id, checkpoint });
          }),
      },
      services,
    );
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return {
      kind: 'failed',
      error: { code: 'WORKFLOW_ERROR', message: err.message, stack: err.stack ?? null },
      retriable: true,
      metrics: null,
    };
  } finally {
    send({ type: 'end' });
    port.close();
  }
}
