import type { WorkflowInfo } from '@kaygraph/contracts';
import type { CatalogWorkflow } from '@kaygraph/tasks';
import { z } from 'zod';

/** JSON Schema of a workflow's params or result; parts JSON Schema cannot express become `{}`. */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io }) as Record<string, unknown>;
}

/** A catalog entry as `workflows.list` / `GET /workflows` shows it. */
export function describeWorkflow(workflow: CatalogWorkflow): WorkflowInfo {
  return {
    name: workflow.name,
    description: workflow.description,
    aliases: [...workflow.aliases],
    params_schema: jsonSchemaOf(workflow.params, 'input'),
    result_schema: workflow.result ? jsonSchemaOf(workflow.result, 'output') : null,
    signals_schema: Object.fromEntries(
      Object.entries(workflow.signals ?? {}).map(([name, schema]) => [name, jsonSchemaOf(schema, 'input')]),
    ),
    defaults: workflow.defaults,
  };
}
