import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { MINIMUM_NODE, unsupportedNode } from '../src/cli/node-version.ts';

test('the worker commands tell an older Node what they need, instead of failing to link', () => {
  expect(unsupportedNode('20.20.2')).toBe('the worker needs Node 22.12 or newer; this is Node 20.20.2');
  expect(unsupportedNode('22.11.0')).toMatch(/needs Node 22.12 or newer/);
  expect(unsupportedNode('22.12.0')).toBeUndefined();
  expect(unsupportedNode('24.1.0')).toBeUndefined();
  expect(unsupportedNode('100.0.0')).toBeUndefined();
});

test("the minimum is the package's engines range", () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  };
  expect(manifest.engines.node).toBe(`>=${MINIMUM_NODE}`);
});
