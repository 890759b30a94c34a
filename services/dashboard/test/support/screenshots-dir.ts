import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the browser tests write their screenshots: `SCREENSHOTS_DIR` when set (`npm run screenshots`
 * sets it to docs/screenshots to refresh the README's images), else a temp dir, so a test run never
 * changes a tracked file.
 */
export function screenshotsDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.SCREENSHOTS_DIR;
  return chosen ? resolve(chosen) : join(tmpdir(), 'kaygraph-dashboard-screenshots');
}
