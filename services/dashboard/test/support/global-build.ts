import { chromiumExecutable } from '@kaygraph/test-browser';
import { buildDashboard } from './build.ts';

/**
 * vitest global setup: build dist/ once per run, before any browser test file serves it, and unpack the
 * packaged Chromium (when the machine has none) once rather than in each parallel test file.
 */
export default async function setup(): Promise<void> {
  await buildDashboard();
  await chromiumExecutable();
}
