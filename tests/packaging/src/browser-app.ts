import { join } from 'node:path';
import { launchChromium } from '@kaygraph/test-browser';
import { build } from 'esbuild';

/** What the page's `countWords` answers (fixture/browser-page.js). */
export interface PageOutcome {
  status: string;
  result: unknown;
  progress: number[];
}

/** The app's page script bundled for browsers from the installed client (as the app's bundler would). */
export async function bundlePage(appDir: string): Promise<string> {
  const result = await build({
    entryPoints: [join(appDir, 'browser-page.js')],
    absWorkingDir: appDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles.map((file) => file.text).join('\n');
}

/**
 * Opens the page in headless Chromium at the api's origin (served by request interception, so it
 * calls the api as a same-origin app page would) and counts the words of `lines` there.
 */
export async function countWordsInBrowser(
  apiUrl: string,
  script: string,
  lines: string[],
): Promise<{ outcome: PageOutcome; webSockets: string[]; errors: string[] }> {
  const browser = await launchChromium();
  try {
    // Chromium takes a page it got by interception for one from the internet, which may not reach a
    // loopback address unless allowed; the api's own page, which it stands for, would be on loopback.
    const page = await browser.newPage({ permissions: ['local-network-access'] });
    const errors: string[] = [];
    const webSockets: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('websocket', (socket) => webSockets.push(socket.url()));
    await page.route(`${apiUrl}/app/**`, (route) =>
      route.request().url().endsWith('/page.js')
        ? route.fulfill({ contentType: 'text/javascript', body: script })
        : route.fulfill({
            contentType: 'text/html',
            body: '<!doctype html><title>app</title><script src="/app/page.js"></script>',
          }),
    );
    await page.goto(`${apiUrl}/app/`);
    const outcome = await page.evaluate(
      (text) =>
        (globalThis as unknown as { countWords(lines: string[]): Promise<PageOutcome> }).countWords(text),
      lines,
    );
    return { outcome, webSockets, errors };
  } finally {
    await browser.close();
  }
}
