import { describe, expect, test } from 'vitest';
import { APP_PACKAGES } from '../src/app-packages.ts';
import { README_APP_SOURCES } from '../src/fixture-app.ts';
import { filesOf, installedTarballs, namedBlocks, readmeAppSection } from '../src/readme-app.ts';

describe('the README\'s "Use it from your project"', () => {
  test('shows exactly the files of the app the packaging tests install and run', async () => {
    const shown = namedBlocks(await readmeAppSection());
    expect(Object.fromEntries(shown)).toEqual(Object.fromEntries(await filesOf(README_APP_SOURCES)));
  });

  test('installs the tarballs the fixture app installs', async () => {
    expect(installedTarballs(await readmeAppSection())).toEqual(APP_PACKAGES);
  });

  test('the block reader takes only fences that name a file', () => {
    const markdown = [
      '```ts a.ts',
      'const a = 1;',
      '```',
      '```ts',
      'b;',
      '```',
      '```json c.json',
      '{}',
      '```',
    ];
    expect(Object.fromEntries(namedBlocks(markdown.join('\n')))).toEqual({
      'a.ts': 'const a = 1;\n',
      'c.json': '{}\n',
    });
  });
});
