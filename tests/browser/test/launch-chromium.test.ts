import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

it("keeps a browser's same-origin rules: a page cannot read another origin's answer that allows no CORS", async () => {
  await using page = await servePlainText('page');
  await using other = await servePlainText('secret');
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    await tab.goto(page.url);
    const read = await tab.evaluate(
      (url) =>
        fetch(url)
          .then((res) => res.text())
          .catch((error: Error) => `refused: ${error.name}`),
      other.url,
    );
    expect(read).toBe('refused: TypeError');
  } finally {
    await browser.close();
  }
});

/** A server on a free loopback port (another origin than any other) that answers `text` to everything. */
async function servePlainText(text: string): Promise<{ url: string } & AsyncDisposable> {
  const server = createServer((_req, res) => res.end(text));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
