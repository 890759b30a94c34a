import type { ProgressReport } from '../types.ts';

/**
 * A share of the run's progress. Fractions are local (0..1 of this scope) and never go backwards;
 * `undefined` step/message keep the previous ones, `null` clears them.
 */
export interface ProgressScope {
  readonly fraction: number;
  report(fraction: number, step?: string | null, message?: string | null): void;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

const clamp01 = (value: number): number => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** The whole run: turns fractions into percent + ETA and emits only changes. */
export class RootProgress implements ProgressScope {
  fraction = 0;
  private step: string | null = null;
  private message: string | null = null;
  private last: ProgressReport | null = null;
  /** Percent and time of the first report: ETA is the rate since then (a resumed run starts above 0). */
  private origin: { percent: number; at: number } | null = null;
  private readonly emit: (report: ProgressReport) => void;
  private readonly now: () => number;

  /** `from`: the fraction the run starts at (a resumed run); no report goes below it. */
  constructor(emit: (report: ProgressReport) => void, now: () => number, from = 0) {
    this.emit = emit;
    this.now = now;
    this.fraction = clamp01(from);
  }

  report(fraction: number, step?: string | null, message?: string | null): void {
    this.fraction = Math.max(this.fraction, clamp01(fraction));
    if (step !== undefined) this.step = step;
    if (message !== undefined) this.message = message;
    // Two decimals are plenty for a progress bar and let the dedupe below drop sub-visible moves.
    const percent = round2(this.fraction * 100);
    const at = this.now();
    this.origin ??= { percent, at };
    const last = this.last;
    if (last && last.percent === percent && last.step === this.step && last.message === this.message) return;
    const report = { percent, step: this.step, message: this.message, etaSeconds: this.eta(percent, at) };
    this.last = report;
    this.emit(report);
  }

  private eta(percent: number, at: number): number | null {
    if (percent >= 100) return 0;
    const origin = this.origin;
    if (!origin || percent <= origin.percent) return null;
    const msPerPercent = (at - origin.at) / (percent - origin.percent);
    return round2((msPerPercent * (100 - percent)) / 1000);
  }
}

/** [lo, hi] of a parent scope: one step of a graph. */
export class RangeScope implements ProgressScope {
  fraction = 0;
  private readonly parent: ProgressScope;
  private readonly lo: number;
  private readonly hi: number;

  constructor(parent: ProgressScope, lo: number, hi: number) {
    this.parent = parent;
    // A grown estimate (loops) must not pull the parent back: start no lower than where it is.
    this.lo = Math.max(clamp01(lo), parent.fraction);
    this.hi = Math.max(clamp01(hi), this.lo);
  }

  report(fraction: number, step?: string | null, message?: string | null): void {
    this.fraction = Math.max(this.fraction, clamp01(fraction));
    this.parent.report(this.lo + (this.hi - this.lo) * this.fraction, step, message);
  }
}

/**
 * Splits a scope into `count` equal parts that may advance in any order (batch items, parallel
 * sub-runs): the parent's fraction is the mean of the parts.
 */
export function splitScope(parent: ProgressScope, count: number): ProgressScope[] {
  const parts = new Array<number>(count).fill(0);
  const base = parent.fraction;
  const update = (): number => base + ((1 - base) * parts.reduce((sum, part) => sum + part, 0)) / count;
  return parts.map((_, index) => {
    const part: ProgressScope = {
      get fraction() {
        return parts[index] ?? 0;
      },
      report(fraction, step, message) {
        parts[index] = Math.max(parts[index] ?? 0, clamp01(fraction));
        parent.report(update(), step, message);
      },
    };
    return part;
  });
}
