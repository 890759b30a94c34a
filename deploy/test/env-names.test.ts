import { describe, expect, it } from 'vitest';
import { envModulePaths, envNamesByModule, envNamesInSource } from '../src/env-names.ts';

describe('envNamesInSource', () => {
  it('takes the keys of a zod env schema and direct reads, and nothing else', () => {
    const source = [
      "import { z } from 'zod';",
      '/** Note: comments with colons are not names. */',
      'const Env = z.object({',
      '  DATABASE_URL: z.url().optional(),',
      '  PORT: z.coerce.number().default(Number.MAX_SAFE_INTEGER > 1 ? 8000 : 1),',
      '});',
      'const grace = process.env.SHUTDOWN_GRACE_SECONDS;',
      "const level = process.env['LOG_LEVEL'];",
      'const url = argv[0] ?? source.MIGRATE_URL;',
      'type T = { lowercase: string };',
    ].join('\n');
    expect([...envNamesInSource(source)].sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'MIGRATE_URL',
      'PORT',
      'SHUTDOWN_GRACE_SECONDS',
    ]);
  });
});

describe('the env modules the deployment runs', () => {
  it('include the api, the worker and the migration', () => {
    expect(envModulePaths()).toEqual(
      expect.arrayContaining([
        'services/api/src/env.ts',
        'services/worker/src/env.ts',
        'packages/db/src/migrate-env.ts',
      ]),
    );
  });

  it('each read DATABASE_URL, and the api reads its port and its shutdown grace period', () => {
    const byModule = envNamesByModule();
    for (const [path, names] of byModule) {
      expect(names, path).toContain('DATABASE_URL');
    }
    const api = byModule.get('services/api/src/env.ts');
    expect([...(api ?? [])]).toEqual(expect.arrayContaining(['PORT', 'HOST', 'SHUTDOWN_GRACE_SECONDS']));
  });

  it('the api and the worker read the settings they share (one schema, WorkerSettingsEnv)', () => {
    const byModule = envNamesByModule();
    for (const path of ['services/api/src/env.ts', 'services/worker/src/env.ts']) {
      expect([...(byModule.get(path) ?? [])], path).toEqual(
        expect.arrayContaining([
          'MAX_WORKERS',
          'MAX_BATCH_SIZE',
          'STATEMENT_TIMEOUT_SECONDS',
          'WORKFLOWS_MODULE',
        ]),
      );
    }
  });
});
