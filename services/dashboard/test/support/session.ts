import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AnyWorkflows, createClient } from '@kaygraph/client';
import { type Browser, launchChromium, type Page } from '@kaygraph/test-browser';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { screenshotsDir } from './screenshots-dir.ts';
import { type Stack, type StackOptions, startStack } from './stack.ts';

/** Bounds for things that happen by themselves (a task running); generous for a loaded CI machine. */
export const WAIT = { timeout: 60_000 };

export interface Session {
  stack: Stack;
  browser: Browser;
  page: Page;
  /** Any workflow name: the test's catalog is not the built-in one. */
  client: ReturnType<typeof createClient<AnyWorkflows>>;
  /** Script errors the page threw: a failure even when the page still looks right. */
  pageErrors: string[];
  /** Opens a dashboard route and waits until its live feed is connected. */
  openDashboard(hash: string): Promise<void>;
  /** dashboard-<name>.png in `screenshotsDir()` (docs/screenshots only under `npm run screenshots`). */
  screenshot(name: string): Promise<void>;
  /** Waits on the task's own event stream (the typed client's watch), not by polling. */
  waitForStatus(taskId: string, status: string): Promise<void>;
  /**
   * A second page of `page`'s size (another tab, or another stack's dashboard), closed after `use`; its
   * script errors join `pageErrors`.
   */
  withPage<T>(use: (page: Page) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const VIEWPORT = { width: 1360, height: 900 };

/** Records the script errors `page` throws, and what its Content-Security-Policy blocks, into `errors`. */
function collectErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(error.message));
  // What the page's Content-Security-Policy blocks is only said on the console.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      errors.push(message.text());
    }
  });
}

/** A stack (api + worker + database), a typed client of it and a Chromium page. */
export async function openSession(options: StackOptions = {}): Promise<Session> {
  const screenshots = screenshotsDir();
  mkdirSync(screenshots, { recursive: true });
  const stack = await startStack(options);
  const client = createClient<AnyWorkflows>({ url: stack.url });
  const browser = await launchChromium();
  // Reduced motion: bars jump to their value, so screenshots never catch them mid-animation.
  const page = await browser.newPage({
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  const pageErrors: string[] = [];
  collectErrors(page, pageErrors);
  return {
    stack,
    browser,
    page,
    client,
    pageErrors,
    async openDashboard(hash) {
      await page.goto(`${stack.url}/dashboard/${hash}`);
      await page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
    },
    async screenshot(name) {
      await page.screenshot({ path: join(screenshots, `dashboard-${name}.png`), fullPage: true });
    },
    async waitForStatus(taskId, status) {
      for await (const event of client.watch(taskId)) {
        if (event.type === 'status' && event.status === status) return;
      }
      throw new Error(`task ${taskId} ended without reaching ${status}`);
    },
    async withPage(use) {
      const own = await browser.newPage({ viewport: VIEWPORT });
      collectErrors(own, pageErrors);
      try {
        return await use(own);
      } finally {
        await own.close();
      }
    },
    async close() {
      await browser.close();
      client.close();
      await stack[Symbol.asyncDispose]();
    },
  };
}

/**
 * The session of a test file: opened in its beforeAll, closed in its afterAll, and after each test no
 * script error on its page. The returned session reads through to the open one, so the file's own
 * beforeAll (registered after this call, so run after it) can already use it, and its afterAll runs before
 * the session closes: vitest.config.ts pins that hook order (`sequence.hooks: 'stack'`).
 * `const session = useDashboardSession({ worker: false });`
 */
export function useDashboardSession(options: StackOptions = {}): Session {
  let opened: Session | undefined;
  const current = (): Session => {
    if (!opened) throw new Error('the session opens in beforeAll');
    return opened;
  };
  beforeAll(async () => {
    opened = await openSession(options);
  });
  afterEach(() => {
    expect(current().pageErrors).toEqual([]);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get stack() {
      return current().stack;
    },
    get browser() {
      return current().browser;
    },
    get page() {
      return current().page;
    },
    get client() {
      return current().client;
    },
    get pageErrors() {
      return current().pageErrors;
    },
    openDashboard: (hash) => current().openDashboard(hash),
    screenshot: (name) => current().screenshot(name),
    waitForStatus: (taskId, status) => current().waitForStatus(taskId, status),
    withPage: (use) => current().withPage(use),
    close: () => current().close(),
  };
}
