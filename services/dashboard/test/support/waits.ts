import type { Locator } from '@kaygraph/test-browser';
import { WAIT } from './session.ts';

/** Asks `check` every 250 ms until it holds; past `WAIT.timeout`, fails with what `timedOut` says. */
export async function until(
  check: () => Promise<boolean>,
  timedOut: () => string = () => 'timed out',
): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(timedOut());
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The text of a figure once it has loaded ("…" until then). */
export async function loadedText(figure: Locator): Promise<string | null> {
  await figure.filter({ hasNotText: '…' }).waitFor(WAIT);
  return figure.textContent();
}
