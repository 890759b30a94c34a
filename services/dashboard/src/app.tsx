import { useState } from 'preact/hooks';
import { EmptyState } from './components/states.tsx';
import { useConnection } from './data/hooks.ts';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { ErrorsPage } from './pages/errors.tsx';
import { GroupDetailPage } from './pages/group-detail.tsx';
import { GroupsPage } from './pages/groups.tsx';
import { MetricsPage } from './pages/metrics.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { SchedulesPage } from './pages/schedules.tsx';
import { SubmitPage } from './pages/submit.tsx';
import { TaskRoute } from './pages/task-route.tsx';
import { TasksPage } from './pages/tasks.tsx';
import { href, type Route, useRoute } from './router.ts';

const NAV: { route: Route; label: string }[] = [
  { route: { page: 'overview' }, label: 'Active' },
  { route: { page: 'tasks', list: { status: null, workflow: null, cursor: null, page: 1 } }, label: 'Tasks' },
  { route: { page: 'metrics' }, label: 'Metrics' },
  { route: { page: 'errors' }, label: 'Errors' },
  { route: { page: 'dead-letters' }, label: 'Dead letters' },
  { route: { page: 'schedules' }, label: 'Schedules' },
  { route: { page: 'groups' }, label: 'Groups' },
  { route: { page: 'submit', workflow: null }, label: 'Submit' },
];

export function App({ apiKey, onApiKey }: { apiKey: string | null; onApiKey: (key: string | null) => void }) {
  const route = useRoute();
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="#/">
          <span class="logo" aria-hidden="true" />
          KayGraph Tasks
        </a>
        <nav class="nav">
          {NAV.map((item) => (
            <a
              key={item.label}
              href={href(item.route)}
              class={item.route.page === sectionOf(route) ? 'nav-link active' : 'nav-link'}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <ConnectionIndicator />
        <ApiKeyControl apiKey={apiKey} onApiKey={onApiKey} />
      </header>
      <main class="content">
        <KeyRequiredBanner apiKey={apiKey} onApiKey={onApiKey} />
        <Page route={route} />
      </main>
    </div>
  );
}

/** The nav entry a page belongs to: a group's page sits under Groups, a task's under Tasks. */
function sectionOf(route: Route): Route['page'] {
  return route.page === 'group' ? 'groups' : route.page === 'task' ? 'tasks' : route.page;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'metrics':
      return <MetricsPage />;
    case 'errors':
      return <ErrorsPage />;
    case 'dead-letters':
      return <DeadLettersPage />;
    case 'schedules':
      return <SchedulesPage />;
    case 'groups':
      return <GroupsPage />;
    case 'tasks':
      return <TasksPage list={route.list} />;
    case 'submit':
      return <SubmitPage workflow={route.workflow} />;
    case 'task':
      return <TaskRoute text={route.taskId} />;
    case 'group':
      return <GroupDetailPage key={route.groupId} groupId={route.groupId} />;
    case 'not-found':
      return <EmptyState title={`No page at ${route.path}`} />;
  }
}

/** Auth is on and this browser sent no key (or a revoked one): say so, and ask for one. */
function KeyRequiredBanner({
  apiKey,
  onApiKey,
}: {
  apiKey: string | null;
  onApiKey: (key: string | null) => void;
}) {
  const connection = useConnection();
  if (connection.state !== 'error' || connection.code !== 'UNAUTHORIZED') return null;
  return (
    <div class="notice notice-key" role="alert" data-testid="key-required">
      <strong>{apiKey ? 'The API key was refused.' : 'This server requires an API key.'}</strong>
      <span>{connection.message}. An admin key shows the tasks of every owner.</span>
      {/* a refused key is already forgotten (main.tsx): nothing to Forget here */}
      <KeyForm apiKey={null} onApiKey={onApiKey} />
    </div>
  );
}

function ConnectionIndicator() {
  const connection = useConnection();
  const label =
    connection.state === 'live'
      ? 'live'
      : connection.state === 'connecting'
        ? connection.reconnecting
          ? 'reconnecting…'
          : 'connecting…'
        : connection.state === 'degraded'
          ? 'database unreachable'
          : 'disconnected';
  return (
    <span
      class={`connection connection-${connection.state}`}
      title={
        connection.state === 'error' || connection.state === 'degraded'
          ? connection.message
          : 'tasks.feed subscription'
      }
      data-testid="connection"
    >
      <i class="dot" />
      {label}
    </span>
  );
}

/** The key is kept in this browser only, sent as a Bearer header and as the WebSocket connection param. */
function ApiKeyControl({
  apiKey,
  onApiKey,
}: {
  apiKey: string | null;
  onApiKey: (key: string | null) => void;
}) {
  const [editing, setEditing] = useState(false);
  if (!editing) {
    return (
      <button type="button" class="button button-quiet" onClick={() => setEditing(true)}>
        {apiKey ? 'API key ✓' : 'API key'}
      </button>
    );
  }
  return <KeyForm apiKey={apiKey} onApiKey={onApiKey} />;
}

function KeyForm({ apiKey, onApiKey }: { apiKey: string | null; onApiKey: (key: string | null) => void }) {
  const [draft, setDraft] = useState('');
  return (
    <form
      class="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        onApiKey(draft.trim() || null);
      }}
    >
      <input
        type="password"
        placeholder="kg_…"
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
        aria-label="API key"
      />
      <button type="submit" class="button">
        Use
      </button>
      {apiKey ? (
        <button type="button" class="button button-quiet" onClick={() => onApiKey(null)}>
          Forget
        </button>
      ) : null}
    </form>
  );
}
