import { buildDashboard } from './build.ts';

/** vitest global setup: build dist/ once per run, before any browser test file serves it. */
export default async function setup(): Promise<void> {
  await buildDashboard();
}
