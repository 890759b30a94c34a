import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const DASHBOARD_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the dashboard into dist/ exactly as `npm run build` does, so the test sees this code. */
export async function buildDashboard(): Promise<void> {
  await build({ root: DASHBOARD_ROOT, configFile: `${DASHBOARD_ROOT}/vite.config.ts`, logLevel: 'warn' });
}
