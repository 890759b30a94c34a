import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { DashboardApi, ErrorDetails } from './api.ts';
import type { LiveTasks } from './live-tasks.ts';
import type { PageNotice } from './page-notice.ts';

export interface DashboardServices {
  api: DashboardApi;
  live: LiveTasks;
  notice: PageNotice;
}

export const ServicesContext = createContext<DashboardServices | null>(null);

export function useServices(): DashboardServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesContext.Provider>');
  return services;
}

/**
 * Keeps a component in step with a value that changes outside it. Effects run after the first paint,
 * so a change before then (the feed refused at once, a fast first snapshot) is read on subscribing,
 * not lost: nothing else would bring it back.
 */
function useExternal<T>(read: () => T, subscribe: (listener: () => void) => () => void, source: object): T {
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = () => setValue(read);
    const unsubscribe = subscribe(update);
    update();
    return unsubscribe;
  }, [source]);
  return value;
}

/** Re-renders the caller whenever the live task store changes. */
export function useLiveTasks(): LiveTasks {
  const { live } = useServices();
  useExternal(
    () => live.store.version,
    (listener) => live.store.subscribe(listener),
    live,
  );
  return live;
}

export function useConnection() {
  const { live } = useServices();
  return useExternal(
    () => live.connection,
    (listener) => live.onConnectionChange(listener),
    live,
  );
}

/**
 * An action's error, shown beside its button until the next action, or until the feed is live again
 * after it was not (the api or its database came back): then it no longer says anything true.
 */
export function useActionError(): [string | null, (message: string | null) => void] {
  const connection = useConnection();
  const liveSince = connection.state === 'live' ? connection.since : null;
  const [error, setError] = useState<{ message: string; liveSince: number | null } | null>(null);
  const shown = error && (liveSince === null || liveSince === error.liveSince) ? error.message : null;
  const set = (message: string | null) => setError(message === null ? null : { message, liveSince });
  return [shown, set];
}

/** A clock for relative times and sliding chart windows; it only re-renders, it never fetches. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export type Loadable<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'error'; message: string };

/** Runs a query once per `key` (and again on `reload()`), e.g. after a mutation. */
export function useQuery<T>(key: string, run: () => Promise<T>): [Loadable<T>, () => void] {
  const [result, setResult] = useState<Loadable<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  // `run` is re-created every render; `key` names what it fetches.
  useEffect(() => {
    let current = true;
    run().then(
      (value) => current && setResult({ state: 'ready', value }),
      (error: unknown) => current && setResult({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return [result, reload];
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An api error as one line: "403 FORBIDDEN: why" (just the message for a network failure). */
export function errorLine(details: ErrorDetails): string {
  const heading = [details.status, details.code].filter((part) => part !== null).join(' ');
  return heading ? `${heading}: ${details.message}` : details.message;
}

/**
 * Calls `refresh` when `version` changes, at most once a second: a busy feed changes it constantly,
 * so this throttles (a refresh is due a second after the first unseen change) rather than
 * debounces, which would never fire while changes keep coming.
 */
export function useRefreshOn(version: number, refresh: () => void) {
  const seen = useRef(version);
  const latest = useRef({ version, refresh });
  latest.current = { version, refresh };
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (version === seen.current || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      // Everything up to now is covered by this read.
      seen.current = latest.current.version;
      latest.current.refresh();
    }, 1000);
  }, [version]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
}
