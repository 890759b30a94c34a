import { createApiServer, dashboardRoute } from '@kaygraph/api';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { catalog } from './test/fixtures/catalog.ts';

const logger = pino({ level: 'warn' });
const system = await createTaskSystem({
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/kg_dash_dev',
  catalog,
  logger,
});
const maybe = system as unknown as { startWorker?: (o: unknown) => Promise<unknown> };
if (maybe.startWorker)
  await maybe.startWorker({
    concurrency: 4,
    workflowsModule: new URL('./test/fixtures/catalog.ts', import.meta.url).href,
  });
const server = await createApiServer({
  tasks: system.tasks,
  catalog,
  ready: () => system.ready(),
  logger,
  host: '127.0.0.1',
  port: 8731,
  extraRoutes: [dashboardRoute()],
});
console.log('up', server.url, Boolean(maybe.startWorker));
