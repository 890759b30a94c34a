import type { Logger } from 'pino';
import type { AuthMode } from './auth-mode.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/**
 * The address to listen on. A server that would run open (no keys, AUTH_REQUIRED unset) on the
 * embedded database is the local quick start: it binds to 127.0.0.1 whatever HOST says, so an
 * open queue is never reachable from the network by accident.
 */
export async function chooseListenHost(opts: {
  host: string;
  embedded: boolean;
  mode: AuthMode;
  logger: Logger;
}): Promise<string> {
  if (!opts.embedded || isLoopbackHost(opts.host) || (await opts.mode.isOn())) return opts.host;
  opts.logger.warn(
    { requested_host: opts.host, host: '127.0.0.1' },
    'no API keys and AUTH_REQUIRED unset: the embedded default binds to 127.0.0.1 instead of HOST',
  );
  return '127.0.0.1';
}

/** Says loudly, at startup, when anyone who reaches the api may use it without a key. */
export async function announceAuthMode(opts: { url: string; host: string; mode: AuthMode; logger: Logger }) {
  if (await opts.mode.isOn()) {
    opts.logger.info(
      { auth: opts.mode.forced ? 'AUTH_REQUIRED' : 'api keys exist' },
      'authentication is on: every request needs an API key',
    );
    return;
  }
  const where = isLoopbackHost(opts.host) ? 'this machine' : 'the network';
  opts.logger.warn(
    { url: opts.url, host: opts.host },
    `RUNNING OPEN: no API keys exist and AUTH_REQUIRED is not set, so anyone on ${where} can submit, ` +
      'read and cancel every task. Create a key (kaygraph keys create --name admin --admin) to turn auth on.',
  );
}
