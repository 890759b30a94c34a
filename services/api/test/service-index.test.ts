import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthOutput, ServiceIndex } from '@kaygraph/contracts';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';
import { DASHBOARD_PAGE, dashboardRoute } from '../src/http/dashboard-static.ts';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { createApiServer } from '../src/server.ts';
import { startTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';
import { createOpenApiChecker } from './openapi-check.ts';

/**
 * `GET /`, where the start banner's "API" line points: a newcomer (a browser, curl) is told what answers
 * there and where to go next, without a key, and every link it gives answers.
 */

const check = createOpenApiChecker(buildOpenApiDocument());

test('GET / names the service and its version and links to the docs, the document, health and ready', async () => {
  await using server = await startTestServer({ worker: false, operations: { authRequired: true } });
  const answer = await requestJson(`${server.url}/`, { headers: { accept: 'text/html,*/*' } });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  check('GET', '/', 200, answer.body);
  const index = ServiceIndex.parse(answer.body);
  const health = HealthOutput.parse((await requestJson(`${server.url}/health`)).body);
  expect(index).toEqual({
    service: 'KayGraph Tasks API',
    version: health.version,
    links: { docs: '/docs', openapi: '/openapi.json', health: '/health', ready: '/ready' },
  });
  // Open like /health, even with keys required: each link answers a caller without one.
  for (const link of Object.values(index.links)) {
    expect({ link, status: (await fetch(`${server.url}${link}`)).status }).toEqual({ link, status: 200 });
  }
});

test('GET / links to the dashboard where the server serves one', async () => {
  const dashboardDir = await mkdtemp(join(tmpdir(), 'kg-dashboard-'));
  try {
    await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><title>dashboard</title>');
    await using database = await createTestDatabase();
    await using system = await createTaskSystem({
      databaseUrl: database.url,
      logger: pino({ level: 'silent' }),
    });
    await using server = await createApiServer({
      tasks: system.tasks,
      workflows: system.workflows,
      ready: () => system.ready(),
      logger: pino({ level: 'silent' }),
      port: 0,
      extraRoutes: [dashboardRoute({ dir: dashboardDir })],
      dashboardLink: DASHBOARD_PAGE,
    });
    const index = ServiceIndex.parse((await requestJson(`${server.url}/`)).body);
    expect(index.links.dashboard).toBe('/dashboard/');
    const page = await fetch(`${server.url}${index.links.dashboard}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>dashboard</title>');
  } finally {
    await rm(dashboardDir, { recursive: true, force: true });
  }
});
