import { metricsProcedure } from './metrics/metrics-procedure.ts';
import { healthProcedure, readyProcedure } from './routers/health.ts';
import { tasksRouter } from './routers/tasks.ts';
import { workflowsRouter } from './routers/workflows.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  tasks: tasksRouter,
  workflows: workflowsRouter,
  health: healthProcedure,
  ready: readyProcedure,
  metrics: metricsProcedure,
});

/** The API's types, for `@kaygraph/client` (types only). */
export type AppRouter = typeof appRouter;
