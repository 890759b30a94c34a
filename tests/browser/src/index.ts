export type { Browser, Locator, Page, Route } from 'playwright-core';
export { type ChromiumExecutable, chromiumExecutable, launchChromium } from './launch-chromium.ts';
