/** One headline figure; "…" and `data-state="loading"` until it is known. */
export function Stat({
  label,
  title,
  value,
  tone,
  loaded,
}: {
  label: string;
  title?: string | undefined;
  value: string;
  tone: string;
  loaded: boolean;
}) {
  return (
    <div
      class={`stat stat-${tone}`}
      title={title}
      data-testid={`stat-${tone}`}
      data-state={loaded ? 'ready' : 'loading'}
    >
      <span class="stat-value">{loaded ? value : '…'}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}
