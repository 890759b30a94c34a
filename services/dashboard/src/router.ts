import { TASK_STATUSES, type TaskStatus } from '@kaygraph/contracts';
import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/tasks/<id>`): the api serves the built files as they are, so every page is
 * reachable without server-side fallbacks.
 */
export type Route =
  | { page: 'overview' }
  | { page: 'metrics' }
  | { page: 'errors' }
  | { page: 'dead-letters' }
  | { page: 'schedules' }
  | { page: 'groups' }
  | { page: 'tasks'; list: TaskListView }
  | { page: 'submit'; workflow: string | null }
  | { page: 'task'; taskId: string }
  | { page: 'group'; groupId: string }
  | { page: 'not-found'; path: string };

/** What the Tasks page lists: its filters and the page (`cursor` from the api; `page` 1 is the newest). */
export interface TaskListView {
  status: TaskStatus | null;
  workflow: string | null;
  cursor: string | null;
  page: number;
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const [pathname = '/', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  const [first, second] = parts;
  if (!first) return { page: 'overview' };
  if (first === 'tasks' && second) return { page: 'task', taskId: decodeURIComponent(second) };
  if (first === 'groups' && second) return { page: 'group', groupId: decodeURIComponent(second) };
  if (first === 'tasks' && parts.length === 1) return { page: 'tasks', list: parseTaskList(query) };
  if (first === 'submit') return { page: 'submit', workflow: new URLSearchParams(query).get('workflow') };
  if (parts.length === 1) {
    switch (first) {
      case 'metrics':
      case 'errors':
      case 'dead-letters':
      case 'schedules':
      case 'groups':
        return { page: first };
    }
  }
  return { page: 'not-found', path: pathname };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'task':
      return `#/tasks/${encodeURIComponent(route.taskId)}`;
    case 'group':
      return `#/groups/${encodeURIComponent(route.groupId)}`;
    case 'tasks':
      return taskListHref(route.list);
    case 'submit':
      return route.workflow ? `#/submit?workflow=${encodeURIComponent(route.workflow)}` : '#/submit';
    case 'not-found':
      return `#${route.path}`;
    default:
      return `#/${route.page}`;
  }
}

function parseTaskList(query: string): TaskListView {
  const params = new URLSearchParams(query);
  const status = params.get('status');
  const cursor = params.get('cursor');
  const page = Number(params.get('page'));
  return {
    status: (TASK_STATUSES as readonly string[]).includes(status ?? '') ? (status as TaskStatus) : null,
    workflow: params.get('workflow') || null,
    // A cursor without its page number (or the reverse) cannot name a page: start at the newest.
    cursor: cursor && Number.isInteger(page) && page > 1 ? cursor : null,
    page: cursor && Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** `#/tasks?status=…&workflow=…&page=…&cursor=…`, only what is set, so a link can be shared. */
export function taskListHref(list: TaskListView): string {
  const params = new URLSearchParams();
  if (list.status) params.set('status', list.status);
  if (list.workflow) params.set('workflow', list.workflow);
  if (list.cursor && list.page > 1) {
    params.set('page', String(list.page));
    params.set('cursor', list.cursor);
  }
  const query = params.toString();
  return query ? `#/tasks?${query}` : '#/tasks';
}

export function taskHref(taskId: string): string {
  return href({ page: 'task', taskId });
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
