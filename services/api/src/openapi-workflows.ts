import type { WorkflowInfo } from '@kaygraph/contracts';
import type { OpenAPIObject } from 'trpc-to-openapi';

/** The component name of a registered workflow's params schema. */
export function paramsSchemaName(workflow: string): string {
  return `WorkflowParams.${workflow}`;
}

/** A JSON Schema without its `$schema` (a component of the document, which names its dialect once). */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/**
 * The OpenAPI document as served: the router's document plus what workers registered. Each workflow's
 * params JSON Schema becomes a component, and the body of POST /tasks says which params go with which
 * workflow name (or alias). The committed document (no workers) is the router's alone.
 */
export function withRegisteredWorkflows(
  document: OpenAPIObject,
  workflows: readonly WorkflowInfo[],
): OpenAPIObject {
  if (workflows.length === 0) return document;
  const served = structuredClone(document);
  const schemas: Record<string, unknown> = { ...served.components?.schemas };
  for (const workflow of workflows)
    schemas[paramsSchemaName(workflow.name)] = withoutDialect(workflow.params_schema);
  served.components = { ...served.components, schemas: schemas as never };
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
