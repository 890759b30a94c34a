import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardRoute } from '@kaygraph/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The api's /dashboard route on its own, over a small built tree in a temporary directory. */

let root: string;
let built: Server;
let unbuilt: Server;

function serve(dir: string): Promise<Server> {
  const route = dashboardRoute({ dir });
  const server = createServer((req, res) => {
    route(req, res, new URL(req.url ?? '/', 'http://localhost')).then((handled) => {
      if (!handled) res.writeHead(404).end('not the dashboard');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function urlOf(server: Server, path: string): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kg-dashboard-'));
  await mkdir(join(root, 'dist', 'assets'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'dist', 'index.html'), '<!doctype html><title>KayGraph Tasks</title>');
  await writeFile(join(root, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(root, 'secret.txt'), 'outside the dashboard');
  built = await serve(join(root, 'dist'));
  unbuilt = await serve(join(root, 'empty'));
});

afterAll(async () => {
  await new Promise((resolve) => built?.close(resolve));
  await new Promise((resolve) => unbuilt?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('dashboardRoute', () => {
  it('redirects /dashboard to /dashboard/ and serves the page, never cached', async () => {
    const redirect = await fetch(urlOf(built, '/dashboard?x=1'), { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/dashboard/?x=1');
    const page = await fetch(urlOf(built, '/dashboard/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    await expect(page.text()).resolves.toContain('KayGraph Tasks');
  });

  it("serves the page with a policy: its own scripts only, no other site's frame", async () => {
    const policy = (await fetch(urlOf(built, '/dashboard/'))).headers.get('content-security-policy') ?? '';
    const directives = new Map(
      policy.split(';').map((part) => {
        const [name = '', ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('script-src') ?? directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
  });

  it('serves hashed assets for a year, HEAD without a body', async () => {
    const asset = await fetch(urlOf(built, '/dashboard/assets/index-abc123.js'));
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    await expect(asset.text()).resolves.toBe('console.log(1)');
    const head = await fetch(urlOf(built, '/dashboard/assets/index-abc123.js'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
  });

  it('answers 404 for missing files and for paths that climb out of the build', async () => {
    for (const path of ['/dashboard/nope.js', '/dashboard/..%2fsecret.txt', '/dashboard/%E0%A4%A']) {
      const answer = await fetch(urlOf(built, path));
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
  });

  it('refuses writes and leaves other paths to other routes', async () => {
    const post = await fetch(urlOf(built, '/dashboard/'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const other = await fetch(urlOf(built, '/dashboards'));
    await expect(other.text()).resolves.toBe('not the dashboard');
  });

  it('says how to build the dashboard when it is not built', async () => {
    const answer = await fetch(urlOf(unbuilt, '/dashboard/'));
    expect(answer.status).toBe(503);
    await expect(answer.json()).resolves.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('npm run build'),
    });
  });
});
