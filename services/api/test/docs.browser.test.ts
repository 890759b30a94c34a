import { launchChromium, type Page } from '@kaygraph/test-browser';
import { expect, test } from 'vitest';
import { openKeyStore } from './auth-keys.ts';
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

/** Waits for the next fetch of the API document (Swagger UI's, after `act`). */
async function documentFetched(page: Page, act: () => Promise<unknown>): Promise<unknown> {
  const fetched = page.waitForResponse((response) => new URL(response.url()).pathname === '/openapi.json');
  await act();
  return (await fetched).json();
}

/** Authorizes with `key` in Swagger UI's dialog; resolves once the document was fetched again. */
async function authorize(page: Page, key: string): Promise<void> {
  await page.click('.auth-wrapper .btn.authorize');
  await page.fill('#auth-bearer-value', key);
  await documentFetched(page, () => page.click('.auth-btn-wrapper .btn.authorize'));
  await page.click('.auth-btn-wrapper .btn-done');
}

/** POST /tasks's request body, expanded, on its Schema tab. */
async function submitBody(page: Page) {
  const submit = page.locator('.opblock-post', { has: page.locator('[data-path="/tasks"]') });
  if (!(await submit.locator('.opblock-body').isVisible())) await submit.locator('.opblock-summary').click();
  const body = submit.locator('.opblock-section-request-body');
  await body.getByRole('tab', { name: 'Schema' }).click();
  return body;
}

/**
 * The workflow choices of POST /tasks's body schema ("One of"), expanded all the way, as the page shows
 * them once `shown` (a params field of one of them) is on it.
 */
async function workflowChoices(page: Page, shown: string): Promise<string> {
  const oneOf = (await submitBody(page)).locator('.json-schema-2020-12-keyword--oneOf');
  await oneOf.waitFor();
  await oneOf.locator('.json-schema-2020-12-expand-deep-button').first().click();
  await oneOf.locator('.json-schema-2020-12__title', { hasText: shown }).waitFor();
  return (await oneOf.textContent()) ?? '';
}

test("with keys required, /docs shows each registered workflow's params once the user authorizes, and on the next visit", async () => {
  await using server = await startTestServer({ worker: false, operations: {} });
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('reader');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const keyInUrl: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(key)) keyInUrl.push(request.url());
    });
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-summary-path');
    // Without a key: the generic params only, no workflow choices.
    const generic = await submitBody(page);
    expect(await generic.textContent()).not.toContain('One of');

    await authorize(page, key);
    // `steps` (alias data_processing) and `echo` are the test catalog's registered workflows.
    const choices = await workflowChoices(page, 'delay_ms');
    expect(choices).toMatch(/"steps".*"data_processing".*params.*fail.*steps.*delay_ms/);
    expect(choices).toMatch(/"echo".*params.*value/);

    // The next visit: the kept authorization fetches the document with the key from the start.
    const reloaded = await documentFetched(page, () => page.goto(`${server.url}/docs`));
    expect(JSON.stringify(reloaded)).toContain('WorkflowParams.steps');
    await page.waitForSelector('.opblock-summary-path');
    expect(await workflowChoices(page, 'delay_ms')).toContain('"steps"');

    // A document explored from elsewhere (the top bar's URL) is fetched without the key.
    const elsewhere: (string | undefined)[] = [];
    await page.route('http://elsewhere.test/**', (route) => {
      elsewhere.push(route.request().headers().authorization);
      return route.fulfill({
        json: { openapi: '3.1.0', info: { title: 'Elsewhere', version: '1' }, paths: {} },
      });
    });
    await page.fill('.download-url-input', 'http://elsewhere.test/openapi.json');
    await page.click('.download-url-button');
    await page.getByRole('heading', { name: /Elsewhere/ }).waitFor();
    expect(elsewhere).toEqual([undefined]);
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-summary-path');

    // Logout forgets the key: the document is the generic one again.
    await page.click('.auth-wrapper .btn.authorize');
    await documentFetched(page, () => page.getByRole('button', { name: 'Remove authorization' }).click());
    await page.click('.auth-btn-wrapper .btn-done');
    const body = await submitBody(page);
    await body.locator('.json-schema-2020-12-keyword--oneOf').waitFor({ state: 'detached' });
    expect(await body.textContent()).not.toContain('delay_ms');

    // The key went in a header, never in a URL.
    expect(keyInUrl).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('with keys required, authorizing /docs with a wrong key shows no workflows', async () => {
  await using server = await startTestServer({ worker: false, operations: {} });
  await using store = openKeyStore(server.databaseUrl);
  await store.create('reader');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-summary-path');
    await authorize(page, 'kg_not_a_key');
    const body = await (await submitBody(page)).textContent();
    expect(body).not.toContain('One of');
    expect(body).not.toContain('delay_ms');
  } finally {
    await browser.close();
  }
});
