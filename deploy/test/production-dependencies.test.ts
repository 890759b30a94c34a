import { describe, expect, it } from 'vitest';
import {
  packageOf,
  runtimeSpecifiers,
  runtimeWorkspaces,
  undeclaredRuntimeImports,
} from '../src/runtime-imports.ts';

describe('the production install of the image', () => {
  it('covers the workspaces that the api, the worker and the migration run, and no test-only ones', () => {
    const workspaces = runtimeWorkspaces();
    expect(workspaces).toEqual(
      expect.arrayContaining([
        'contracts',
        'packages/db',
        'packages/tasks',
        'services/api',
        'services/worker',
      ]),
    );
    expect(workspaces).not.toContain('services/dashboard');
    expect(workspaces).not.toContain('deploy');
    expect(workspaces.filter((folder) => folder.startsWith('tests/'))).toEqual([]);
  });

  // `npm ci --omit=dev` leaves out devDependencies: a package that the running code imports but declares
  // only as a dev dependency (or not at all, found by hoisting) works in development and crashes the image.
  it.each(runtimeWorkspaces())('provides every package that %s imports at run time', (workspace) => {
    const { undeclared } = undeclaredRuntimeImports(workspace);
    expect(undeclared, 'declare these under "dependencies" of the importing workspace').toEqual([]);
  });
});

describe('runtimeSpecifiers', () => {
  it('finds imports, re-exports and literal dynamic imports, and skips type-only ones', () => {
    const source = [
      "import { z } from 'zod';",
      "import type { Logger } from 'pino';",
      "import { type Sql } from 'postgres';",
      "export type { X } from 'type-only';",
      "export { y } from './local.ts';",
      "import 'side-effect';",
      "const lazy = await import('pg-boss');",
      'import {',
      '  a,',
      '  b,',
      "} from '@scope/pkg/sub';",
    ].join('\n');
    expect(runtimeSpecifiers(source)).toEqual([
      'zod',
      'postgres',
      './local.ts',
      'side-effect',
      'pg-boss',
      '@scope/pkg/sub',
    ]);
  });

  it('names the package of a bare specifier and nothing for relative or built-in ones', () => {
    expect(packageOf('@scope/pkg/sub')).toBe('@scope/pkg');
    expect(packageOf('drizzle-orm/postgres-js')).toBe('drizzle-orm');
    expect(packageOf('./x.ts')).toBeUndefined();
    expect(packageOf('node:fs')).toBeUndefined();
    expect(packageOf('fs/promises')).toBeUndefined();
  });
});
