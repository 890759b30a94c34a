import { launchChromium } from '@kaygraph/test-browser';
import { expect, test } from 'vitest';
import { startTestServer } from './harness.ts';

test('/docs renders the interactive API page in a browser without fetching anything from elsewhere', async () => {
  await using server = await startTestServer({ worker: false });
  const browser = await launchChromium();
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
