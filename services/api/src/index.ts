/** Workflow typing for clients: params and result types by workflow name (types only). */
export type {
  AnyWorkflow,
  BuiltinWorkflows,
  WorkflowNames,
  WorkflowParams,
  WorkflowResult,
} from '@kaygraph/workflows';
export type {
  ApiServices,
  CallerKey,
  CallerResolver,
  CallerSource,
  Context,
  Identity,
  OpenConnection,
} from './context.ts';
export { anonymousCaller } from './context.ts';
export { describeError } from './errors.ts';
export { DASHBOARD_PAGE, DEFAULT_DASHBOARD_DIR, dashboardRoute } from './http/dashboard-static.ts';
export type { MetricsService } from './metrics/metrics-service.ts';
export { buildOpenApiDocument } from './openapi.ts';
export { type ApiOperations, type ApiOperationsOptions, createApiOperations } from './operations.ts';
export { type AppRouter, appRouter } from './router.ts';
export { createDocumentSearch, type DocumentSearch } from './search/document-search.ts';
export { type ApiServer, type ApiServerOptions, createApiServer, type ExtraRoute } from './server.ts';
