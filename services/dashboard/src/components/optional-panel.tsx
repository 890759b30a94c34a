import type { ComponentChildren } from 'preact';
import type { Optional } from '../data/api.ts';
import type { Loadable } from '../data/hooks.ts';
import { ErrorNotice, Loading, Unavailable } from './states.tsx';

/** Renders an optional procedure's answer: loading, failed, missing on this server, or the data. */
export function OptionalContent<T>({
  feature,
  result,
  children,
}: {
  feature: string;
  result: Loadable<Optional<T>>;
  children: (value: T) => ComponentChildren;
}) {
  if (result.state === 'loading') return <Loading />;
  if (result.state === 'error') return <ErrorNotice message={result.message} />;
  if (result.value.state === 'unavailable')
    return <Unavailable feature={feature} reason={result.value.reason} />;
  return <>{children(result.value.value)}</>;
}
