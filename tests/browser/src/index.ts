export type { Browser, Page } from 'playwright-core';
export { type ChromiumExecutable, chromiumExecutable, launchChromium } from './launch-chromium.ts';
