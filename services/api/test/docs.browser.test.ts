import { access } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { expect, test } from 'vitest';
import { startTestServer } from './harness.ts';

/** Debian's Chromium (`apt-get install -y chromium`), as the dashboard's browser tests use; never downloaded. */
const CHROMIUM_PATH = '/usr/bin/chromium';

test('/docs renders the interactive API page in a browser without fetching anything from elsewhere', async () => {
  await access(CHROMIUM_PATH).catch(() => {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\`.`);
  });
  await using server = await startTestServer({ worker: false });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:'))
        elsewhere.push(request.url());
    });
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-summary-path');
    const paths = await page.$$eval('.opblock-summary-path', (nodes) =>
      nodes.map((node) => node.textContent),
    );
    expect(paths).toEqual(
      expect.arrayContaining(['/tasks', '/tasks/{task_id}/stream', '/ws/{task_id}', '/workflows']),
    );
    expect(elsewhere).toEqual([]);
  } finally {
    await browser.close();
  }
});
