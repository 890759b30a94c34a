import { REST_PATHS, SERVICE_NAME, ServiceIndex } from '@kaygraph/contracts';
import { NoInput } from '../no-input.ts';
import { restOperations } from '../rest-meta.ts';
import { publicProcedure } from '../trpc.ts';

const rest = restOperations('');

/** `GET /`: where the start banner's "API" line points, so a browser or curl there learns where to go. */
export const serviceIndexProcedure = publicProcedure
  .meta(
    rest.op('index', {
      openapi: {
        method: 'GET',
        path: '/',
        tags: ['service'],
        summary: 'Service index',
        description:
          'Names the service and its version and links to the dashboard (where this server serves one), the docs, the OpenAPI document, health and readiness. Needs no key.',
        protect: false,
      },
      database: false,
    }),
  )
  .input(NoInput)
  .output(ServiceIndex)
  .query(({ ctx }) => ({
    service: SERVICE_NAME,
    version: ctx.services.version,
    links: {
      ...(ctx.services.dashboardLink ? { dashboard: ctx.services.dashboardLink } : {}),
      docs: REST_PATHS.docs,
      openapi: REST_PATHS.openapi,
      health: REST_PATHS.health,
      ready: REST_PATHS.ready,
    },
  }));

/** The index's REST operation (rest-operations.ts). */
export const serviceIndexRest = rest.table;
