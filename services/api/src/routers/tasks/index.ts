import { router } from '../../trpc.ts';
import { cancelQueuedProcedure } from './cancel-queued.ts';
import { taskControl } from './control.ts';
import { taskReads } from './reads.ts';
import { taskRemoval } from './removal.ts';
import { rest } from './rest.ts';
import { signalProcedure } from './signal.ts';
import { taskSubmission } from './submission.ts';
import { taskSubscriptions } from './subscriptions.ts';

/** Every task procedure, one file per concern; their order is the OpenAPI document's order of paths. */
export const tasksRouter = router({
  ...taskSubmission,
  ...taskReads,
  ...taskControl,
  ...taskRemoval,
  cancelQueued: cancelQueuedProcedure,
  signal: signalProcedure,
  ...taskSubscriptions,
});

/** This router's REST operations (rest-operations.ts). */
export const tasksRest = rest.table;
