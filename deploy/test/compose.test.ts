import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDotenv } from '../src/dotenv.ts';
import { envNamesReadAnywhere } from '../src/env-names.ts';
import { isRecord } from '../src/k8s-manifests.ts';
import { readRepoFile, repoFileExists } from '../src/repo-files.ts';

const compose: unknown = parse(readRepoFile('docker-compose.yml'), { merge: true });
if (!isRecord(compose) || !isRecord(compose.services)) throw new Error('docker-compose.yml has no services');
const services = compose.services;

function service(name: string): Record<string, unknown> {
  const found = services[name];
  if (!isRecord(found)) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** `depends_on` in its long form: service name -> condition. */
function dependsOn(name: string): Record<string, string | undefined> {
  const raw = service(name).depends_on;
  if (!isRecord(raw)) throw new Error(`${name}: depends_on must use the long form with conditions`);
  return Object.fromEntries(
    Object.entries(raw).map(([dependency, spec]) => [
      dependency,
      isRecord(spec) && typeof spec.condition === 'string' ? spec.condition : undefined,
    ]),
  );
}

/** The env files of a service, as compose reads them (string or `{ path, required }` entries). */
function envFiles(name: string): { path: string; required: boolean }[] {
  const raw = service(name).env_file;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((entry: unknown) => {
    if (typeof entry === 'string') return { path: entry, required: true };
    if (isRecord(entry) && typeof entry.path === 'string') {
      return { path: entry.path, required: entry.required !== false };
    }
    throw new Error(`${name}: unreadable env_file entry`);
  });
}

/** The names a service sets: from its required env files and its `environment` block. */
function environmentNames(name: string): string[] {
  const fromFiles = envFiles(name)
    .filter((file) => file.required)
    .flatMap((file) => parseDotenv(readRepoFile(file.path)).map((entry) => entry.name));
  const environment = service(name).environment;
  const inline = Array.isArray(environment)
    ? environment.map((item) => String(item).split('=')[0] ?? '')
    : isRecord(environment)
      ? Object.keys(environment)
      : [];
  return [...fromFiles, ...inline];
}

function command(name: string): string[] {
  const raw = service(name).command;
  if (!Array.isArray(raw) || !raw.every((part) => typeof part === 'string')) {
    throw new Error(`${name}: command must be an exec-form list`);
  }
  return raw;
}

const appServices = ['migrate', 'api', 'worker'];

describe('docker-compose.yml', () => {
  it('runs postgres, a one-shot migrate, the api and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'worker']);
    expect(service('postgres').image).toMatch(/^postgres:18/);
  });

  it('checks postgres with pg_isready before anything connects to it', () => {
    const healthcheck = service('postgres').healthcheck;
    expect(isRecord(healthcheck) && JSON.stringify(healthcheck.test)).toMatch(/pg_isready/);
    expect(dependsOn('migrate')).toEqual({ postgres: 'service_healthy' });
  });

  it('starts api and worker only after the migration finished successfully', () => {
    for (const name of ['api', 'worker']) {
      expect(dependsOn(name)).toEqual({
        postgres: 'service_healthy',
        migrate: 'service_completed_successfully',
      });
    }
    expect(service('migrate').restart).toBe('no');
  });

  it('runs the three entry points of one image, and each entry point exists', () => {
    const images = new Set(appServices.map((name) => service(name).image));
    expect(images.size).toBe(1);
    expect(command('migrate')).toEqual(['node', 'packages/db/src/migrate-main.ts']);
    expect(command('api')).toEqual([
      'node',
      '--max-semi-space-size=8',
      '--max-old-space-size=512',
      'services/api/src/main.ts',
    ]);
    expect(command('worker')).toEqual([
      'node',
      '--max-semi-space-size=2',
      '--heap-growing-percent=30',
      'services/worker/src/main.ts',
    ]);
    for (const name of appServices) {
      expect(service(name).build, name).toBe('.');
      const entry = command(name).at(-1) ?? '';
      expect(repoFileExists(entry), `${name} runs ${entry}`).toBe(true);
    }
  });

  it('gives the api a /health check and publishes its port', () => {
    const healthcheck = service('api').healthcheck;
    expect(isRecord(healthcheck) && JSON.stringify(healthcheck.test)).toMatch(/\/health/);
    expect(service('api').ports).toEqual(['8000:8000']);
  });

  it('lets the worker scale: no container_name, no published port', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    // The image's HEALTHCHECK probes the api's /health; a worker has no HTTP server to answer it.
    expect(worker.healthcheck).toEqual({ disable: true });
  });

  it('takes settings from .env.example, and sets only names that the services read', () => {
    const read = envNamesReadAnywhere();
    for (const name of appServices) {
      expect(envFiles(name)[0], name).toEqual({ path: '.env.example', required: true });
      const unread = environmentNames(name).filter((variable) => !read.has(variable));
      expect(unread, `${name} sets variables no env module reads`).toEqual([]);
    }
  });

  it('mounts the workflow input files read-only at DATA_DIR in the workers', () => {
    const dataDir = parseDotenv(readRepoFile('.env.example')).find(
      (entry) => entry.name === 'DATA_DIR',
    )?.value;
    expect(dataDir).toBe('/data');
    expect(service('worker').volumes).toEqual([`./data:${dataDir}:ro`]);
  });

  it('gives a draining process longer than SHUTDOWN_GRACE_SECONDS before compose kills it', () => {
    const grace = Number(
      parseDotenv(readRepoFile('.env.example')).find((entry) => entry.name === 'SHUTDOWN_GRACE_SECONDS')
        ?.value,
    );
    for (const name of appServices) {
      const period = String(service(name).stop_grace_period);
      const match = /^(\d+)s$/.exec(period);
      expect(match, `${name}.stop_grace_period in seconds`).not.toBeNull();
      expect(Number(match?.[1]), name).toBeGreaterThan(grace);
    }
  });
});
