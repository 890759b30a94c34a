import { render } from 'preact';
import { App } from './app.tsx';
import { createDashboardApi } from './data/client-api.ts';
import { ServicesContext } from './data/hooks.ts';
import { LiveTasks } from './data/live-tasks.ts';
import { PageNotice } from './data/page-notice.ts';
import './styles.css';

const API_KEY_STORAGE = 'kaygraph.apiKey';

const apiKey = window.localStorage.getItem(API_KEY_STORAGE);
// The dashboard is served by the api it shows, so the page's own origin is the api.
const api = createDashboardApi({ url: window.location.origin, apiKey: apiKey ?? undefined });
const live = new LiveTasks(api);
// A key the api refuses (401) is not kept: this page's banner says it was refused, the next asks afresh.
live.onConnectionChange(() => {
  const { connection } = live;
  if (apiKey && connection.state === 'error' && connection.code === 'UNAUTHORIZED') {
    window.localStorage.removeItem(API_KEY_STORAGE);
  }
});
live.start();
const notice = new PageNotice();

/** A new key means a new connection with new rights: start over with it. */
function switchApiKey(key: string | null): void {
  if (key) window.localStorage.setItem(API_KEY_STORAGE, key);
  else window.localStorage.removeItem(API_KEY_STORAGE);
  window.location.reload();
}

const root = document.getElementById('app');
if (root) {
  render(
    <ServicesContext.Provider value={{ api, live, notice }}>
      <App apiKey={apiKey} onApiKey={switchApiKey} />
    </ServicesContext.Provider>,
    root,
  );
}
