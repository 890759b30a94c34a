import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { chromiumExecutable, launchChromium } from '../src/index.ts';
import { unpackPackagedChromium } from '../src/packaged-chromium.ts';

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'kaygraph-browser-test-'));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

it('uses the Chromium that @sparticuz/chromium ships when the system has none', async () => {
  const executable = await chromiumExecutable(join(workDir, 'no-chromium-here'));
  expect(executable.source).toBe('@sparticuz/chromium');
  expect(executable.path).not.toBe(join(workDir, 'no-chromium-here'));
});

it('renders a page and takes a screenshot with whichever Chromium this machine has', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent('<h1 id="title">KayGraph</h1>');
    expect(await page.textContent('#title')).toBe('KayGraph');
    const png = await page.screenshot({ path: join(workDir, 'page.png') });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  } finally {
    await browser.close();
  }
});

it('gives every process that unpacks at once a whole Chromium, and leftovers of an interrupted unpack do no harm', async () => {
  // What a killed run leaves: a half-written private copy beside the final dir.
  const leftover = join(workDir, 'kaygraph-chromium-0.partial-1-interrupted');
  await mkdir(leftover);
  await writeFile(join(leftover, 'chromium'), 'half a binary');

  const [first, second] = await Promise.all([
    unpackPackagedChromium(workDir),
    unpackPackagedChromium(workDir),
  ]);
  expect(second).toEqual(first);
  const version = await runToCompletion(first.path, ['--version']);
  expect(version).toMatch(/Chromium \d+/);
});

function runToCompletion(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}
