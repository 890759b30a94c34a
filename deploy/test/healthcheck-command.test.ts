import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execForm, instructionsOf, parseDockerfile } from '../src/dockerfile.ts';
import { isRecord } from '../src/k8s-manifests.ts';
import { readRepoFile } from '../src/repo-files.ts';
import { runNode } from '../src/run-node.ts';

function dockerfileProbe(): string[] {
  const runtime = parseDockerfile(readRepoFile('Dockerfile')).stages.at(-1);
  const args = runtime ? (instructionsOf(runtime, 'HEALTHCHECK').at(-1)?.args ?? '') : '';
  const probe = execForm(args.slice(args.indexOf('CMD ') + 4));
  if (!probe) throw new Error('the HEALTHCHECK is not in exec form');
  return probe;
}

function composeProbe(): string[] {
  const compose: unknown = parse(readRepoFile('docker-compose.yml'), { merge: true });
  const api = isRecord(compose) && isRecord(compose.services) ? compose.services.api : undefined;
  const test = isRecord(api) && isRecord(api.healthcheck) ? api.healthcheck.test : undefined;
  if (!Array.isArray(test) || test[0] !== 'CMD') throw new Error('the api healthcheck is not a CMD list');
  return test.slice(1).map(String);
}

/** A stand-in for the api: answers /health with the status the test sets, everything else 404. */
let healthStatus = 200;
let requestedPaths: string[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    requestedPaths.push(req.url ?? '');
    res.writeHead(req.url === '/health' ? healthStatus : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

/** Runs a probe's `node -e <script>` as the container would, with PORT set as in the container. */
async function runProbe(probe: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [binary, flag, script] = probe;
  expect([binary, flag]).toEqual(['node', '-e']);
  requestedPaths = [];
  const run = await runNode(['-e', script ?? ''], env, 10_000);
  return run.code;
}

describe('the /health probe of the image and of compose', () => {
  it('is the same command in both places', () => {
    expect(composeProbe()).toEqual(dockerfileProbe());
  });

  it('exits 0 when /health answers 2xx and 1 when it answers an error, on the port PORT names', async () => {
    healthStatus = 200;
    expect(await runProbe(dockerfileProbe(), { PORT: String(port) })).toBe(0);
    expect(requestedPaths).toEqual(['/health']);
    healthStatus = 503;
    expect(await runProbe(dockerfileProbe(), { PORT: String(port) })).toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await runProbe(dockerfileProbe(), { PORT: String(freePort) })).toBe(1);
  });
});
