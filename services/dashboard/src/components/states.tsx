import type { ComponentChildren } from 'preact';

/** Nothing to show yet, said plainly. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" data-state="empty">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

/** The api this dashboard talks to does not offer the feature (yet): no data is invented. */
export function Unavailable({ feature, reason }: { feature: string; reason: string }) {
  return (
    <div class="empty unavailable" data-state="unavailable">
      <strong>{feature}: not available on this server</strong>
      <p>{reason}</p>
    </div>
  );
}

export function ErrorNotice({ message }: { message: string }) {
  return (
    <div class="notice notice-error" role="alert">
      {message}
    </div>
  );
}

export function Loading() {
  return (
    <div class="loading" data-state="loading">
      Loading…
    </div>
  );
}

export function Panel({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="panel">
      <header class="panel-head">
        <h2>{title}</h2>
        {actions ? <div class="panel-actions">{actions}</div> : null}
      </header>
      <div class="panel-body">{children}</div>
    </section>
  );
}
