import type { ComponentChildren } from 'preact';
import type { PagedList } from '../data/paged-list.ts';
import { LoadMore } from './load-more.tsx';
import { OptionalContent } from './optional-panel.tsx';

/**
 * A paged optional list (dead letters, schedules, groups) as a table: its loading, failed or missing
 * state, `empty` when it has no rows, else a row each under `head`; then "Load more".
 */
export function PagedTable<T>({
  feature,
  list,
  empty,
  testId,
  tableClass = 'table',
  head,
  row,
}: {
  feature: string;
  list: PagedList<T>;
  empty: ComponentChildren;
  testId: string;
  tableClass?: string;
  /** The header cells. */
  head: ComponentChildren;
  /** A keyed `<tr>`. */
  row: (item: T) => ComponentChildren;
}) {
  return (
    <>
      <OptionalContent feature={feature} result={list.result}>
        {(rows: T[]) =>
          rows.length === 0 ? (
            empty
          ) : (
            <table class={tableClass} data-testid={testId}>
              <thead>
                <tr>{head}</tr>
              </thead>
              <tbody>{rows.map(row)}</tbody>
            </table>
          )
        }
      </OptionalContent>
      <LoadMore list={list} />
    </>
  );
}
