import {
  connectionLostCode,
  isTlsRefused,
  tooManyConnectionsIn,
  type UrlRefusalCode,
  urlRefusalIn,
} from '../database-errors.ts';
import { SchemaMissingError } from '../schema-missing.ts';
import { WorkflowsModuleError } from '../worker/load-workflows-module.ts';
import { DataDirError } from './data-dir.ts';
import { InvalidEnvironmentError } from './parse-env.ts';

/** Where a database URL points, without its credentials (`127.0.0.1:5432/kaygraph`). */
function whereOf(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.host}${url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/** What to fix when PostgreSQL refuses to open a session for what the database URL says. */
const URL_REFUSAL_FIXES: Record<UrlRefusalCode, string> = {
  '3D000': 'create that database, or fix its name in the database URL',
  '28P01': 'check the user and password in the database URL',
  '28000': 'check the user in the database URL (and pg_hba.conf)',
};

/** How the database URL asks for TLS (`sslmode=require`, `ssl=true`), as written there. */
function tlsModeOf(databaseUrl: string): string {
  const params = URL.parse(databaseUrl)?.searchParams;
  const key = ['sslmode', 'ssl'].find((name) => params?.has(name));
  return key ? `${key}=${params?.get(key)}` : 'TLS';
}

/** What to do when PostgreSQL has no connection left for another session (53300). */
const NO_CONNECTION_LEFT_FIX =
  'every connection PostgreSQL allows is taken: raise max_connections (or the CONNECTION LIMIT of the ' +
  'role or database), or run fewer processes (deploy/README.md, "What to scale", counts what each holds)';

/**
 * A start failure as the user should read it: a database that cannot be reached, that refuses the URL's
 * database, user or password or has no connection left, that accepts no TLS where the URL asks for it, or that the api never set up, says so; anything
 * else is returned as it is.
 */
export function explainStartFailure(error: unknown, databaseUrl: string): unknown {
  // First: a server out of connections answered, so it is no "cannot reach" (53300 counts as lost at run time).
  const full = tooManyConnectionsIn(error);
  if (full) {
    return new Error(
      `PostgreSQL at ${whereOf(databaseUrl)} refused the connection: ${full} (53300); ${NO_CONNECTION_LEFT_FIX}`,
      { cause: error },
    );
  }
  // Before "cannot reach": the server answered, only not in TLS.
  if (isTlsRefused(error)) {
    const asked = tlsModeOf(databaseUrl);
    // libpq would fall back to a plain connection for these; pg-boss's driver (node-postgres) does not.
    const noFallback = /^sslmode=(prefer|allow)$/.test(asked)
      ? ` (pg-boss's driver, node-postgres, takes ${asked} as a demand for TLS, not as libpq's fallback to a plain connection)`
      : '';
    return new Error(
      `PostgreSQL at ${whereOf(databaseUrl)} does not accept TLS connections, and the database URL asks for ${asked}${noFallback}: ` +
        'turn on ssl in the server (postgresql.conf), or connect without TLS (take sslmode out of the database URL, or set sslmode=disable)',
      { cause: error },
    );
  }
  const code = connectionLostCode(error);
  if (code) {
    return new Error(
      `cannot reach the database at ${whereOf(databaseUrl)} (${code}): is PostgreSQL running there, and is the database URL right?`,
      { cause: error },
    );
  }
  const refusal = urlRefusalIn(error);
  if (refusal) {
    return new Error(
      `PostgreSQL at ${whereOf(databaseUrl)} refused the connection: ${refusal.message} (${refusal.code}); ${URL_REFUSAL_FIXES[refusal.code]}`,
      { cause: error },
    );
  }
  if (!(error instanceof SchemaMissingError)) return error;
  return new Error(
    'the database has no KayGraph Tasks tables: start the api on it first (it creates them), then the worker',
    { cause: error },
  );
}

/** What to change when the server cannot listen (Node's listen error codes). */
const LISTEN_FIXES: Record<string, string> = {
  EADDRINUSE: 'another process listens there: stop it, or set PORT to a free port',
  EACCES: 'this user may not listen on that port: set PORT above 1023',
  EADDRNOTAVAIL: 'HOST is not an address of this machine: set HOST to one of its addresses',
};

/** A failed `listen` (the port is taken, privileged, or HOST is not this machine's) as the user should read it. */
export function explainListenFailure(error: unknown): unknown {
  const { syscall, code, address, port } = (error ?? {}) as Record<string, unknown>;
  if (syscall !== 'listen' || typeof code !== 'string' || !Object.hasOwn(LISTEN_FIXES, code)) return error;
  return new Error(`cannot listen on ${String(address)}:${String(port)} (${code}): ${LISTEN_FIXES[code]}`, {
    cause: error,
  });
}

/**
 * Ends a service whose start failed for a reason of its setting (a bad environment variable, a workflows
 * module that cannot be found, a DATA_DIR it cannot use, a database out of reach, refusing the URL or out of connections, or not
 * set up, a port in use): the reason on stderr, one line per problem and no stack (it is no bug), then
 * exit 1. Any other error is thrown on, stack and all.
 */
export function exitOnStartFailure(service: string, error: unknown, databaseUrl?: string): never {
  const listen = explainListenFailure(error);
  const explained =
    listen !== error || databaseUrl === undefined ? listen : explainStartFailure(error, databaseUrl);
  const known =
    error instanceof InvalidEnvironmentError ||
    error instanceof WorkflowsModuleError ||
    error instanceof DataDirError ||
    explained !== error;
  if (!known) throw error;
  const reason = explained instanceof Error ? explained.message : String(explained);
  process.stderr.write(`${service} did not start: ${reason}\n`);
  process.exit(1);
}
