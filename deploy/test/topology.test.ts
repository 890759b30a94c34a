import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthOutput, ReadyOutput, SubmitTaskOutput, TaskResultView } from '@kaygraph/contracts';
import { createTestDatabase } from '@kaygraph/db/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseDotenv } from '../src/dotenv.ts';
import { isRecord, loadManifests } from '../src/k8s-manifests.ts';
import { readRepoFile } from '../src/repo-files.ts';
import { runNode } from '../src/run-node.ts';
import { freePort, startService, waitFor } from '../src/service-process.ts';

/** How long the orchestrator waits after SIGTERM before it kills a pod (k8s/*.yaml). */
function terminationGraceMs(deployment: string): number {
  const found = loadManifests().find(
    (manifest) => manifest.kind === 'Deployment' && manifest.name === deployment,
  );
  const spec = found?.body.spec;
  const pod = isRecord(spec) && isRecord(spec.template) ? spec.template.spec : undefined;
  const seconds = isRecord(pod) ? pod.terminationGracePeriodSeconds : undefined;
  if (typeof seconds !== 'number') throw new Error(`${deployment}: no terminationGracePeriodSeconds`);
  return seconds * 1000;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('the deployment on one database: migrate, then an api and a worker as separate processes', () => {
  it('starts from .env.example, runs a task submitted to the api on the worker, and stops cleanly on SIGTERM', async () => {
    await using database = await createTestDatabase({ empty: true });
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'kaygraph-deploy-data-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    // The containers' settings, pointed at this test's database and at loopback.
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(
        parseDotenv(readRepoFile('.env.example')).map((entry) => [entry.name, entry.value]),
      ),
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      PATH: process.env.PATH,
    };

    const migration = await runNode(['packages/db/src/migrate-main.ts'], env);
    expect(migration.code, migration.stderr).toBe(0);

    await using api = startService('services/api/src/main.ts', env);
    await using worker = startService('services/worker/src/main.ts', env);
    const base = `http://127.0.0.1:${port}`;

    const ready = await waitFor(
      'the api to report ready',
      async () => {
        const answer = await getJson(`${base}/ready`);
        return answer.status === 200 ? answer.body : undefined;
      },
      60_000,
      api,
    );
    expect(ReadyOutput.parse(ready)).toEqual({ status: 'ready', database: true, migrations: true });
    const health = await getJson(`${base}/health`);
    expect(health.status).toBe(200);
    expect(HealthOutput.parse(health.body).status).toBe('ok');

    // The api knows workflows only once a worker registered them (GET /workflows lists them then).
    await waitFor(
      'the worker to register its workflows',
      async () => {
        const answer = await getJson(`${base}/workflows`);
        const names = (answer.body as { workflows?: { name: string }[] }).workflows?.map((w) => w.name);
        return names?.includes('demo') ? names : undefined;
      },
      60_000,
      worker,
    );

    // The api runs no tasks itself (no --with-worker): a completed task went through the worker process.
    const response = await fetch(`${base}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        workflow: 'demo',
        params: { steps: 2, step_ms: 0, result: 'ran on the worker' },
      }),
    });
    expect(response.status).toBe(202);
    const submitted = SubmitTaskOutput.parse(await response.json());
    const result = await waitFor(
      'the worker to complete the task',
      async () => {
        const answer = await getJson(`${base}/tasks/${submitted.task_id}/result`);
        const view = answer.status === 200 ? TaskResultView.parse(answer.body) : undefined;
        return view && ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
      },
      60_000,
      worker,
    );
    expect(result.status).toBe('completed');
    expect(result.result).toMatchObject({ result: 'ran on the worker' });

    // Within the grace period the orchestrator gives them, both exit 0 by themselves.
    expect(await worker.stop('SIGTERM', terminationGraceMs('kaygraph-worker')), worker.tail()).toEqual({
      code: 0,
      signal: null,
    });
    expect(await api.stop('SIGTERM', terminationGraceMs('kaygraph-api')), api.tail()).toEqual({
      code: 0,
      signal: null,
    });
  }, 180_000);
});
