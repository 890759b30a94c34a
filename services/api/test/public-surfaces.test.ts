import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { HAND_WRITTEN_PATHS } from '../src/openapi-hand-written.ts';
import { REST_OPERATIONS } from '../src/rest-operations.ts';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat().filter((file) => file.endsWith('.ts'));
}

test('the api uses zod and tRPC through their public API: no private fields, no Proxy-wrapped services', async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    const text = await readFile(file, 'utf8');
    for (const pattern of [/\._def\b/, /\._zod\b/, /\bnew Proxy\(/, /\.coerce\s*=/]) {
      if (pattern.test(text)) offenders.push(`${file.slice(SRC.length)}: ${pattern}`);
    }
  }
  expect(offenders).toEqual([]);
});

test('every operation of the document is a REST procedure of the table or a hand-written route', () => {
  const document = buildOpenApiDocument();
  const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const)
      .filter((method) => item?.[method])
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
  const fromTable = [...REST_OPERATIONS.values()].map(({ openapi }) => `${openapi.method} ${openapi.path}`);
  const handWritten = Object.entries(HAND_WRITTEN_PATHS).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect([...fromTable, ...handWritten].sort()).toEqual([...documented].sort());
  // Statuses come from metadata: the submit's 202 and /ready's 503 body.
  expect(Object.keys(document.paths?.['/tasks']?.post?.responses ?? {})).toContain('202');
  expect(Object.keys(document.paths?.['/tasks']?.post?.responses ?? {})).not.toContain('200');
});
