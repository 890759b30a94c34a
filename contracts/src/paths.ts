/** REST paths, as the spec names them. `{task_id}` is an OpenAPI path parameter. */
export const REST_PATHS = {
  tasks: '/tasks',
  task: '/tasks/{task_id}',
  taskResult: '/tasks/{task_id}/result',
  taskProgress: '/tasks/{task_id}/progress',
  taskRetry: '/tasks/{task_id}/retry',
  taskStream: '/tasks/{task_id}/stream',
  taskArtifact: '/tasks/{task_id}/artifacts/{name}',
  taskSocket: '/ws/{task_id}',
  workflows: '/workflows',
  metrics: '/metrics',
  health: '/health',
  ready: '/ready',
  openapi: '/openapi.json',
  docs: '/docs',
  dashboard: '/dashboard',
  trpc: '/trpc',
} as const;
