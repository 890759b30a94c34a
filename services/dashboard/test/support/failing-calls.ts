import type { Page, Route } from '@kaygraph/test-browser';

/**
 * Makes the page's tRPC calls of `procedure` fail (the connection is aborted) until disposed. tRPC may
 * batch a call with others: `/trpc/groups.get,tasks.list?batch=1`.
 */
export async function failingCalls(page: Page, procedure: string): Promise<AsyncDisposable> {
  const calls = (url: URL) => url.pathname.startsWith('/trpc/') && url.pathname.includes(procedure);
  const fail = (route: Route) => route.abort();
  await page.route(calls, fail);
  return { [Symbol.asyncDispose]: () => page.unroute(calls, fail) };
}
