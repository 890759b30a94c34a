import { expect, it } from 'vitest';
import { startPeriodicPass } from '../src/maintenance/periodic-pass.ts';

it('stop ends a pass of many steps at its next step, instead of waiting for all of them', async () => {
  let steps = 0;
  let stepping = () => {};
  const firstStep = new Promise<void>((resolve) => {
    stepping = resolve;
  });
  const pass = startPeriodicPass(
    async (signal) => {
      // A pass that would take a million steps, each yielding to the event loop.
      for (let step = 0; step < 1_000_000 && !signal.aborted; step++) {
        steps++;
        stepping();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return steps;
    },
    3_600_000,
    () => {},
  );
  const running = pass.runOnce();
  await firstStep;
  await pass.stop();
  expect(await running).toBeLessThan(1_000_000);
});
