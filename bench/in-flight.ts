/** Runs `one(0..total-1)` with `parallel` calls in flight at a time; resolves with calls per second. */
export async function inFlight(
  total: number,
  parallel: number,
  one: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
