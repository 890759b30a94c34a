/** The api's peak memory while requests run (the payload benchmarks). */
import { rssMb } from './api-processes.ts';

/** Peak RSS of `pid` while `work` runs, sampled every 50 ms. */
export async function peakRss(
  pid: number,
  work: () => Promise<unknown>,
): Promise<{ peakMb: number; error?: string }> {
  let peakMb = await rssMb(pid);
  const timer = setInterval(() => {
    rssMb(pid).then(
      (mb) => {
        // A process that died reads as NaN.
        if (Number.isFinite(mb)) peakMb = Math.max(peakMb, mb);
      },
      () => {},
    );
  }, 50);
  try {
    await work();
    return { peakMb };
  } catch (error) {
    return { peakMb, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearInterval(timer);
  }
}

/** Reads `url` `times` at once; resolves with the bytes of each answer. */
export async function readAll(url: string, times: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: times }, async () => {
      const response = await fetch(url);
      const body = await response.arrayBuffer();
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return body.byteLength;
    }),
  );
}
