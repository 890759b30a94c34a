import { niceMax, type YScale } from '../lib/series.ts';

/** Hand-drawn SVG charts: a handful of rects and paths are all a dashboard needs. */

/** Width in SVG units; the chart scales to its box, so wide boxes want more units to keep text small. */
export const NARROW = 640;
export const WIDE = 1200;
const HEIGHT = 200;
const PAD = { top: 12, right: 12, bottom: 24, left: 44 };
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;
/** A generous width of one tick label character (10 px font), in SVG units. */
const CHAR_WIDTH = 6;

export interface AxisTick {
  at: number;
  label: string;
}

interface Frame {
  width: number;
  /** The left margin, wide enough for the longest y label. */
  left: number;
  xMin: number;
  xMax: number;
  yMax: number;
}

function xOf(frame: Frame, x: number): number {
  const span = frame.xMax - frame.xMin || 1;
  return frame.left + ((x - frame.xMin) / span) * (frame.width - frame.left - PAD.right);
}

function yOf(frame: Frame, y: number): number {
  return PAD.top + PLOT_H - (y / frame.yMax) * PLOT_H;
}

interface YTick {
  value: number;
  label: string;
}

/** Gridlines every `step` from 0 to `max`, labelled (0 plainly, not "0 ms"). */
function yTicksOf(scale: YScale, format: (v: number) => string): YTick[] {
  return Array.from({ length: Math.round(scale.max / scale.step) + 1 }, (_, index) => {
    const value = index * scale.step;
    return { value, label: value === 0 ? '0' : format(value) };
  });
}

/** The frame's left margin fits the longest y label, so none is cut off at the chart's edge. */
function frameOf(width: number, xMin: number, xMax: number, yMax: number, yTicks: YTick[]): Frame {
  const longest = Math.max(0, ...yTicks.map((tick) => tick.label.length));
  return { width, left: Math.max(PAD.left, 12 + longest * CHAR_WIDTH), xMin, xMax, yMax };
}

function Axes({ frame, xTicks, yTicks }: { frame: Frame; xTicks: AxisTick[]; yTicks: YTick[] }) {
  return (
    <g class="axes">
      {yTicks.map(({ value, label }) => (
        <g key={`y${value}`}>
          <line
            class="grid"
            x1={frame.left}
            x2={frame.width - PAD.right}
            y1={yOf(frame, value)}
            y2={yOf(frame, value)}
          />
          <text class="tick" x={frame.left - 6} y={yOf(frame, value) + 4} text-anchor="end">
            {label}
          </text>
        </g>
      ))}
      {xTicks.map((tick) => (
        <text key={`x${tick.at}`} class="tick" x={xOf(frame, tick.at)} y={HEIGHT - 6} text-anchor="middle">
          {tick.label}
        </text>
      ))}
    </g>
  );
}

/** Gridline spacing for counts up to `max`: 1, 2, 5, 10 ... so that at most ~5 lines show. */
function countStep(max: number): number {
  return max <= 5 ? 1 : niceMax(max / 5);
}

/** Gridline spacing for values: quarters of 1, 2 or 10 x 10^n, fifths of 5 x 10^n (all round). */
function valueStep(max: number): number {
  const leading = max / 10 ** Math.floor(Math.log10(max));
  return Math.abs(leading - 5) < 1e-9 ? max / 5 : max / 4;
}

export interface BarSeries {
  key: string;
  label: string;
  className: string;
}

export interface BarDatum {
  x: number;
  values: Record<string, number>;
}

/** Stacked bars, one slot per datum, each `slotWidth` wide in x units. */
export function StackedBarChart({
  title,
  data,
  series,
  slotWidth,
  xTicks,
  width = NARROW,
}: {
  title: string;
  width?: number;
  data: BarDatum[];
  series: BarSeries[];
  slotWidth: number;
  xTicks: AxisTick[];
}) {
  const first = data[0];
  const last = data.at(-1);
  if (!first || !last) return null;
  const totals = data.map((datum) => series.reduce((sum, s) => sum + (datum.values[s.key] ?? 0), 0));
  const highest = Math.max(...totals, 1);
  const yMax = Math.ceil(highest / countStep(highest)) * countStep(highest);
  // Counts get whole-number lines (0, 2, 4 ...), not quarters that would round alike.
  const yTicks = yTicksOf({ max: yMax, step: countStep(yMax) }, (v) => String(Math.round(v)));
  const frame = frameOf(width, first.x, last.x + slotWidth, yMax, yTicks);
  const barWidth = Math.max(1, ((width - frame.left - PAD.right) / data.length) * 0.8);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${frame.width} ${HEIGHT}`} role="img" aria-label={title}>
        <Axes frame={frame} xTicks={xTicks} yTicks={yTicks} />
        {data.map((datum) => {
          let base = 0;
          return (
            <g key={datum.x}>
              {series.map((s) => {
                const value = datum.values[s.key] ?? 0;
                if (value <= 0) return null;
                const top = yOf(frame, base + value);
                const height = yOf(frame, base) - top;
                base += value;
                return (
                  <rect
                    key={s.key}
                    class={s.className}
                    x={xOf(frame, datum.x)}
                    y={top}
                    width={barWidth}
                    height={height}
                  >
                    <title>{`${s.label}: ${value}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <Legend items={series} />
    </figure>
  );
}

/** Beyond this many points a line reads better without a dot on each. */
const MAX_DOTS = 80;

export interface LineSeries {
  key: string;
  label: string;
  className: string;
  /** null values break the line (no data in that slot). */
  points: { x: number; y: number | null }[];
}

export function LineChart({
  title,
  series,
  xDomain,
  xTicks,
  yMax,
  yScale,
  yFormat,
  step = false,
  width = NARROW,
}: {
  title: string;
  width?: number;
  series: LineSeries[];
  xDomain: [number, number];
  xTicks: AxisTick[];
  yMax?: number;
  /** The axis' top and gridline spacing for the highest value (durations want 1 min, not 50 s). */
  yScale?: (highest: number) => YScale;
  yFormat: (v: number) => string;
  /** Draw as a staircase (values that hold until the next point, like progress). */
  step?: boolean;
}) {
  const highest = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y ?? 0)));
  const top = yMax ?? niceMax(highest);
  const scale = yScale ? yScale(highest) : { max: top, step: valueStep(top) };
  const yTicks = yTicksOf(scale, yFormat);
  const frame = frameOf(width, xDomain[0], xDomain[1], scale.max, yTicks);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${frame.width} ${HEIGHT}`} role="img" aria-label={title}>
        <Axes frame={frame} xTicks={xTicks} yTicks={yTicks} />
        {series.map((s) => (
          <g key={s.key} class={s.className}>
            <path class="line" d={pathOf(frame, s.points, step)} />
            {s.points.length > MAX_DOTS
              ? null
              : s.points.map((p) =>
                  p.y === null ? null : (
                    <circle key={p.x} class="dot" cx={xOf(frame, p.x)} cy={yOf(frame, p.y)} r={2.5}>
                      <title>{`${s.label}: ${yFormat(p.y)}`}</title>
                    </circle>
                  ),
                )}
          </g>
        ))}
      </svg>
      <Legend items={series} />
    </figure>
  );
}

function pathOf(frame: Frame, points: { x: number; y: number | null }[], step: boolean): string {
  let d = '';
  let open = false;
  for (const point of points) {
    if (point.y === null) {
      open = false;
      continue;
    }
    const x = xOf(frame, point.x);
    const y = yOf(frame, point.y);
    if (!open) d += `M${x.toFixed(1)},${y.toFixed(1)}`;
    else if (step) d += `H${x.toFixed(1)}V${y.toFixed(1)}`;
    else d += `L${x.toFixed(1)},${y.toFixed(1)}`;
    open = true;
  }
  return d;
}

function Legend({ items }: { items: { key: string; label: string; className: string }[] }) {
  return (
    <figcaption class="legend">
      {items.map((item) => (
        <span key={item.key} class={`legend-item ${item.className}`}>
          <i class="swatch" />
          {item.label}
        </span>
      ))}
    </figcaption>
  );
}

/** Ticks every `everyMs` between two instants, labelled HH:MM in the viewer's time zone. */
export function clockTicks(from: number, to: number, everyMs: number): AxisTick[] {
  const ticks: AxisTick[] = [];
  for (let at = Math.ceil(from / everyMs) * everyMs; at <= to; at += everyMs) {
    const date = new Date(at);
    const label = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
    ticks.push({ at, label });
  }
  return ticks;
}
