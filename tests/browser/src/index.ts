export type { Browser, Page, Route } from 'playwright-core';
export { type ChromiumExecutable, chromiumExecutable, launchChromium } from './launch-chromium.ts';
