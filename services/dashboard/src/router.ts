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
  | { page: 'submit'; workflow: string | null }
  | { page: 'task'; taskId: string }
  | { page: 'group'; groupId: string }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const [pathname = '/', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  const [first, second] = parts;
  if (!first) return { page: 'overview' };
  if (first === 'tasks' && second) return { page: 'task', taskId: decodeURIComponent(second) };
  if (first === 'groups' && second) return { page: 'group', groupId: decodeURIComponent(second) };
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
    case 'submit':
      return route.workflow ? `#/submit?workflow=${encodeURIComponent(route.workflow)}` : '#/submit';
    case 'not-found':
      return `#${route.path}`;
    default:
      return `#/${route.page}`;
  }
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
