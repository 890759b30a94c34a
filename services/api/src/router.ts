import { metricsProcedure } from './metrics/metrics-procedure.ts';
import { deadLettersRouter } from './routers/dead-letters.ts';
import { groupsRouter } from './routers/groups.ts';
import { healthProcedure, readyProcedure } from './routers/health.ts';
import { keysRouter } from './routers/keys.ts';
import { schedulesRouter } from './routers/schedules.ts';
import { searchProcedure } from './routers/search.ts';
import { serviceIndexProcedure } from './routers/service-index.ts';
import { tasksRouter } from './routers/tasks/index.ts';
import { workflowsRouter } from './routers/workflows.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  index: serviceIndexProcedure,
  tasks: tasksRouter,
  workflows: workflowsRouter,
  groups: groupsRouter,
  schedules: schedulesRouter,
  deadLetters: deadLettersRouter,
  keys: keysRouter,
  health: healthProcedure,
  ready: readyProcedure,
  metrics: metricsProcedure,
  search: searchProcedure,
});

/** The API's types, for `@kaygraph/client` (types only). */
export type AppRouter = typeof appRouter;
