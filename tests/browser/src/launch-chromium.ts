import { access, constants } from 'node:fs/promises';
import sparticuz from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';
import { inheritedEnv } from './env.ts';
import { unpackPackagedChromium } from './packaged-chromium.ts';

/** Debian's Chromium (`apt-get install -y chromium`), preferred when the machine has it. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];
/**
 * Flags of @sparticuz/chromium left out: in one process, closing a second page ends the browser; the
 * others switch off the same-origin policy (CORS, mixed content), which the tests must see as users do.
 */
const PACKAGED_FLAGS_LEFT_OUT = new Set([
  '--single-process',
  '--disable-web-security',
  '--allow-running-insecure-content',
]);

export interface ChromiumExecutable {
  path: string;
  args: string[];
  /** Extra environment for the browser process. */
  env: Record<string, string>;
  /** Where it came from, for error messages. */
  source: 'system' | '@sparticuz/chromium';
}

/**
 * The system's Chromium when it is installed, else the one the `@sparticuz/chromium` npm package ships
 * (unpacked under the temp dir on first use). A browser is never downloaded.
 */
export async function chromiumExecutable(systemPath: string = SYSTEM_CHROMIUM): Promise<ChromiumExecutable> {
  if (await isExecutable(systemPath)) {
    return { path: systemPath, args: SYSTEM_ARGS, env: {}, source: 'system' };
  }
  const packaged = await unpackPackagedChromium();
  return {
    path: packaged.path,
    // Its flags are for a serverless sandbox: keep those a user's browser would not break on.
    args: sparticuz.args.filter((arg) => !PACKAGED_FLAGS_LEFT_OUT.has(arg)),
    env: { FONTCONFIG_FILE: packaged.fontConfigFile },
    source: '@sparticuz/chromium',
  };
}

/**
 * Launches a headless Chromium for a browser test; close it when done.
 *
 * @example
 * const browser = await launchChromium();
 * try { const page = await browser.newPage(); ... } finally { await browser.close(); }
 */
export async function launchChromium(): Promise<Browser> {
  const executable = await chromiumExecutable();
  return chromium.launch({
    executablePath: executable.path,
    args: executable.args,
    env: { ...inheritedEnv(), ...executable.env },
    headless: true,
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
