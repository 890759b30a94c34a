import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { REST_PATHS } from '@kaygraph/contracts';
import { describe, expect, test } from 'vitest';
import { loadApiEnv } from '../src/env.ts';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { OPENAPI_FILE, renderOpenApiDocument } from '../src/scripts/write-openapi.ts';

describe('OpenAPI document', () => {
  test('is valid OpenAPI 3.1', async () => {
    const document = buildOpenApiDocument();
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  test('the committed services/api/openapi.json matches the router (run `npm run openapi -w services/api`)', async () => {
    const committed = await readFile(OPENAPI_FILE, 'utf8');
    expect(committed).toBe(renderOpenApiDocument());
  });

  test("documents the spec's paths, the streams and the 202 of POST /tasks", () => {
    const paths = buildOpenApiDocument().paths ?? {};
    const expected: [string, string][] = [
      [REST_PATHS.tasks, 'post'],
      [REST_PATHS.tasks, 'get'],
      [REST_PATHS.task, 'get'],
      [REST_PATHS.task, 'delete'],
      [REST_PATHS.taskResult, 'get'],
      [REST_PATHS.taskProgress, 'get'],
      [REST_PATHS.taskRetry, 'post'],
      [REST_PATHS.taskSignal, 'post'],
      [REST_PATHS.taskStream, 'get'],
      [REST_PATHS.taskSocket, 'get'],
      [REST_PATHS.workflows, 'get'],
      [REST_PATHS.health, 'get'],
      [REST_PATHS.ready, 'get'],
      [REST_PATHS.metrics, 'get'],
      [REST_PATHS.search, 'get'],
    ];
    for (const [path, method] of expected) {
      expect(paths[path]?.[method as 'get'], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    expect(Object.keys(paths[REST_PATHS.tasks]?.post?.responses ?? {})).toContain('202');
    expect(paths[REST_PATHS.taskStream]?.get?.responses?.['200']).toMatchObject({
      content: { 'text/event-stream': {} },
    });
    // /metrics: the JSON snapshot and the Prometheus text, both documented.
    expect(paths[REST_PATHS.metrics]?.get?.responses?.['200']).toMatchObject({
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/MetricsSnapshot' } },
        'text/plain': {},
      },
    });
    expect(paths[REST_PATHS.search]?.get?.parameters?.map((p) => ('name' in p ? p.name : ''))).toEqual([
      'index',
      'query',
      'k',
    ]);
  });

  test("tells REST clients that a task's run_at is null once it is running, waiting or finished", () => {
    const paths = buildOpenApiDocument().paths ?? {};
    const answer = paths[REST_PATHS.task]?.get?.responses?.['200'];
    const schema = answer && 'content' in answer ? answer.content?.['application/json']?.schema : undefined;
    const runAt = schema && 'properties' in schema ? schema.properties?.run_at : undefined;
    expect(runAt).toMatchObject({
      description: expect.stringContaining(
        'Null: as soon as a worker is free, and always once the task is running, waiting or finished',
      ),
    });
  });

  test('the committed document states the default MAX_BATCH_SIZE wherever the server applies it', () => {
    const { MAX_BATCH_SIZE } = loadApiEnv({});
    const paths = buildOpenApiDocument().paths ?? {};
    const field = (path: string, name: string) => {
      const body = paths[path]?.post?.requestBody;
      const schema = body && 'content' in body ? body.content['application/json']?.schema : undefined;
      return schema && 'properties' in schema ? schema.properties?.[name] : undefined;
    };
    expect(field('/groups', 'tasks')).toMatchObject({ maxItems: MAX_BATCH_SIZE });
    expect(field('/groups/{group_id}/tasks', 'tasks')).toMatchObject({ maxItems: MAX_BATCH_SIZE });
    expect(field('/dead-letters/redrive', 'limit')).toMatchObject({ default: MAX_BATCH_SIZE });
    expect(field('/tasks/cancel-queued', 'limit')).toMatchObject({ default: MAX_BATCH_SIZE });
  });
});
