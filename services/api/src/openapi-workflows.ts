import type { WorkflowInfo } from '@kaygraph/contracts';
import type { OpenAPIObject } from 'trpc-to-openapi';

/** The component name of a registered workflow's params schema. */
export function paramsSchemaName(workflow: string): string {
  return `WorkflowParams.${workflow}`;
}

/** The component name of a registered workflow's result schema. */
export function resultSchemaName(workflow: string): string {
  return `WorkflowResult.${workflow}`;
}

/** The component name of the payload schema a registered workflow declares for one of its signals. */
export function signalSchemaName(workflow: string, signal: string): string {
  return `WorkflowSignal.${workflow}.${signal}`;
}

/** A JSON Schema without its `$schema` (a component of the document, which names its dialect once). */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/**
 * The OpenAPI document as served: the router's document plus what workers registered. Each workflow's
 * params JSON Schema (described with the workflow's description), its result schema and each declared
 * signal's payload schema become components; the body of POST /tasks says which params go with which
 * workflow name (or alias), the result route names the result schemas, and the body of the signal route
 * lists the payload schemas a signal may have. The committed document (no workers) is the router's alone.
 */
export function withRegisteredWorkflows(
  document: OpenAPIObject,
  workflows: readonly WorkflowInfo[],
): OpenAPIObject {
  if (workflows.length === 0) return document;
  const served = structuredClone(document);
  const schemas: Record<string, unknown> = { ...served.components?.schemas };
  for (const workflow of workflows) {
    const params = withoutDialect(workflow.params_schema);
    schemas[paramsSchemaName(workflow.name)] = { description: workflow.description, ...params };
    if (workflow.result_schema)
      schemas[resultSchemaName(workflow.name)] = withoutDialect(workflow.result_schema);
    for (const [signal, schema] of Object.entries(workflow.signals_schema ?? {}))
      schemas[signalSchemaName(workflow.name, signal)] = withoutDialect(schema);
  }
  served.components = { ...served.components, schemas: schemas as never };
  describeSignalPayloads(served, workflows);
  describeResults(served, workflows);
  const submit = served.paths?.['/tasks']?.post;
  const body = submit?.requestBody;
  const json = body && 'content' in body ? body.content['application/json'] : undefined;
  if (submit && json?.schema) {
    json.schema = {
      allOf: [
        json.schema,
        {
          oneOf: workflows.map((workflow) => ({
            type: 'object',
            properties: {
              workflow: { enum: [workflow.name, ...workflow.aliases] },
              params: { $ref: `#/components/schemas/${paramsSchemaName(workflow.name)}` },
            },
            required: ['workflow'],
          })),
        },
      ],
    };
    submit.description = [
      submit.description ?? '',
      `Registered workflows (each with its params schema in the components): ${workflows.map((w) => w.name).join(', ')}.`,
    ]
      .filter(Boolean)
      .join('\n\n');
  }
  return served;
}

/**
 * The signal route's body: one of the declared payload schemas (which one follows from the task's
 * workflow and the signal's name, both outside the body), and a description naming them.
 */
function describeSignalPayloads(served: OpenAPIObject, workflows: readonly WorkflowInfo[]): void {
  const declared = workflows.flatMap((workflow) =>
    Object.keys(workflow.signals_schema ?? {}).map((signal) => ({ workflow: workflow.name, signal })),
  );
  const route = served.paths?.['/tasks/{task_id}/signals/{name}']?.post;
  const body = route?.requestBody;
  const json = body && 'content' in body ? body.content['application/json'] : undefined;
  if (!route || !json || declared.length === 0) return;
  json.schema = {
    ...json.schema,
    oneOf: declared.map(({ workflow, signal }) => ({
      $ref: `#/components/schemas/${signalSchemaName(workflow, signal)}`,
    })),
  };
  route.description = [
    route.description ?? '',
    `Declared signals (workflow: signal, each payload schema in the components as WorkflowSignal.<workflow>.<signal>): ${declared
      .map(({ workflow, signal }) => `${workflow}: ${signal}`)
      .join(', ')}.`,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The result route's description: where each workflow's `result` schema is (a completed task's result). */
function describeResults(served: OpenAPIObject, workflows: readonly WorkflowInfo[]): void {
  const route = served.paths?.['/tasks/{task_id}/result']?.get;
  const typed = workflows.filter((workflow) => workflow.result_schema).map((workflow) => workflow.name);
  if (!route || typed.length === 0) return;
  route.description = [
    route.description ?? '',
    `A completed task's \`result\` follows its workflow's schema, in the components as WorkflowResult.<workflow>: ${typed.join(', ')}.`,
  ]
    .filter(Boolean)
    .join('\n\n');
}
