import { describe, expect, test } from 'vitest';
import { publishedManifest } from '../../../scripts/pack/manifest.ts';

const siblingVersions = new Map([['@kaygraph/contracts', '0.3.1']]);

describe('the published manifest', () => {
  test('points exports at compiled files with their types, and pins workspace siblings', () => {
    const manifest = publishedManifest(
      {
        name: '@kaygraph/client',
        version: '0.3.1',
        engines: { node: '>=20' },
        exports: { '.': './src/index.ts', './cli': './src/cli/main.ts', './package.json': './package.json' },
        dependencies: { '@kaygraph/contracts': '*', '@trpc/client': '11.25.2' },
      },
      { siblingVersions, bin: { kaygraph: './bin/kaygraph.js' } },
    );
    expect(manifest.exports).toEqual({
      '.': { types: './index.d.ts', default: './index.js' },
      './cli': { types: './cli/main.d.ts', default: './cli/main.js' },
      './package.json': './package.json',
    });
    expect(manifest.types).toBe('./index.d.ts');
    expect(manifest.dependencies).toEqual({ '@kaygraph/contracts': '0.3.1', '@trpc/client': '11.25.2' });
    expect(manifest.engines).toEqual({ node: '>=20' });
    expect(manifest.bin).toEqual({ kaygraph: './bin/kaygraph.js' });
    expect(manifest.sideEffects).toBe(false);
    expect(manifest).not.toHaveProperty('private');
  });

  test('refuses a workspace dependency it cannot pin, and an export that is not a source module', () => {
    const base = { name: '@kaygraph/x', version: '1.0.0', exports: { '.': './src/index.ts' } };
    expect(() =>
      publishedManifest({ ...base, dependencies: { '@kaygraph/gone': '*' } }, { siblingVersions }),
    ).toThrow('@kaygraph/gone is a workspace dependency but no sibling workspace has that name');
    expect(() =>
      publishedManifest({ ...base, exports: { '.': './lib/index.js' } }, { siblingVersions }),
    ).toThrow('export ./lib/index.js is not a ./src/*.ts module');
  });
});
