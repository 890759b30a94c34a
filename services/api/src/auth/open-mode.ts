import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import type { AuthMode } from './auth-mode.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * How an operator makes the first key (it turns auth on for good): through npm, which runs the checkout's
 * pinned Node (a system Node before 22.18 cannot run `main.ts`) and the image's alike.
 */
export const FIRST_KEY_COMMAND = 'npm run keys -- create --name admin --admin';

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || (isIPv4(host) && host.startsWith('127.'));
}

/**
 * Whether a key is required before the first one exists, and why. AUTH_REQUIRED says so; so does a
 * non-loopback HOST on an external database unless ALLOW_ANONYMOUS opts in: an api reachable from the
 * network never serves anonymously by accident. (The embedded default binds 127.0.0.1 instead.)
 */
export function keyRequiredBeforeFirstKey(opts: {
  host: string;
  embedded: boolean;
  authRequired: boolean;
  allowAnonymous: boolean;
}): { required: boolean; because: string | undefined } {
  if (opts.authRequired) return { required: true, because: 'AUTH_REQUIRED' };
  if (opts.embedded || opts.allowAnonymous || isLoopbackHost(opts.host)) {
    return { required: false, because: undefined };
  }
  return {
    required: true,
    because: `HOST=${opts.host} is reachable from the network and ALLOW_ANONYMOUS is unset`,
  };
}

/**
 * The address to listen on. A server that would run open (no keys, AUTH_REQUIRED unset) on the
 * embedded database is the local quick start: it binds to 127.0.0.1 whatever HOST says, so an
 * open queue is never reachable from the network by accident (ALLOW_ANONYMOUS keeps HOST).
 */
export async function chooseListenHost(opts: {
  host: string;
  embedded: boolean;
  allowAnonymous?: boolean;
  mode: AuthMode;
  logger: Logger;
}): Promise<string> {
  if (!opts.embedded || opts.allowAnonymous || isLoopbackHost(opts.host) || (await opts.mode.isOn())) {
    return opts.host;
  }
  opts.logger.warn(
    { requested_host: opts.host, host: '127.0.0.1' },
    'no API keys and AUTH_REQUIRED unset: the embedded default binds to 127.0.0.1 instead of HOST',
  );
  return '127.0.0.1';
}

/** Says loudly, at startup, when anyone who reaches the api may use it without a key, or no key can. */
export async function announceAuthMode(opts: { url: string; host: string; mode: AuthMode; logger: Logger }) {
  if (await opts.mode.isOn()) {
    const because = opts.mode.forcedBecause;
    if (because && because !== 'AUTH_REQUIRED' && !(await opts.mode.keysExisted())) {
      opts.logger.error(
        { url: opts.url, host: opts.host, first_key: FIRST_KEY_COMMAND },
        `REFUSING ANONYMOUS REQUESTS: ${because}, so every request needs an API key and answers 401 ` +
          `without one. Create the first admin key with \`${FIRST_KEY_COMMAND}\`, or set ALLOW_ANONYMOUS=true ` +
          'to serve without keys until one exists.',
      );
      return;
    }
    opts.logger.info(
      { auth: because === 'AUTH_REQUIRED' ? because : 'api keys exist' },
      'authentication is on: every request needs an API key',
    );
    return;
  }
  const where = isLoopbackHost(opts.host) ? 'this machine' : 'the network';
  opts.logger.warn(
    { url: opts.url, host: opts.host },
    `RUNNING OPEN: no API key was ever created and AUTH_REQUIRED is not set, so anyone on ${where} can ` +
      `submit, read and cancel every task. Create a key (${FIRST_KEY_COMMAND}) to turn auth on for good.`,
  );
}
