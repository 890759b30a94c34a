import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '@kaygraph/api/testing';
import { expect, test } from 'vitest';

/**
 * The root README's first TypeScript sample, run the way the README says to try it in the checkout,
 * against a live api: a newcomer's first program must run as written, not only compile.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

test('the README says how to run its first TypeScript sample in the checkout, and it runs that way', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const howTo = /save it as `([\w-]+\.ts)` there and run `npx node \1`/.exec(readme);
  expect(howTo, 'the README says how to try its first sample').not.toBeNull();
  const sample = /^```ts\n([\s\S]*?)^```$/m.exec(readme.slice(readme.indexOf('\n## Use it')))?.[1];
  if (!howTo?.[1] || !sample) throw new Error('no sample, or no way to run it');

  await using server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
  // In the checkout (its node_modules resolve the packages; Node strips no types under node_modules),
  // in the ignored tmp/, not in the tracked tree.
  const scratch = join(ROOT, 'tmp');
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(join(scratch, 'readme-try-'));
  try {
    await writeFile(join(dir, howTo[1]), sample.replace('http://127.0.0.1:8000', server.url));
    const { code, output } = await run('npx', ['node', howTo[1]], dir);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^completed \{/m);
    expect(output).toMatch(/^\d+ status$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
