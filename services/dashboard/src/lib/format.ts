/** Human-readable figures for the tables: short, unambiguous, no locale surprises. */

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  return `~${formatDuration(Math.max(0, seconds))}`;
}

export function formatPercent(value: number): string {
  return `${Math.round(value)} %`;
}

/** "12 s ago", "5 min ago" (the absolute time after a day); "in 5 min", "in 3 d 4 h", "in 4.1 years". */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const seconds = Math.round((now - at) / 1000);
  // Server and browser clocks differ by a little: a few seconds either way is "now".
  if (Math.abs(seconds) < 5) return 'just now';
  if (seconds < 0) return `in ${formatAhead(-seconds)}`;
  if (seconds < 86_400) return `${formatDuration(seconds)} ago`;
  return formatTime(iso);
}

/** A time ahead: as formatDuration within a day, then in days, then in years (never "8760 h 0 min"). */
function formatAhead(seconds: number): string {
  if (seconds < 86_400) return formatDuration(seconds);
  const days = seconds / 86_400;
  if (days >= 365) return `${(days / 365.25).toFixed(1)} years`;
  const whole = Math.floor(days);
  const hours = Math.floor((seconds % 86_400) / 3600);
  return hours ? `${whole} d ${hours} h` : `${whole} d`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Seconds between two timestamps, or null when either is missing. */
export function secondsBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) ? seconds : null;
}

/** A time window as a card's label says it: "1 h", "30 min", "90 s". */
export function formatWindow(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
