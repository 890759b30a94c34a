import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router.ts';

describe('hash routes', () => {
  it('parses every page and round-trips through href', () => {
    const routes = [
      parseRoute(''),
      parseRoute('#/metrics'),
      parseRoute('#/errors'),
      parseRoute('#/dead-letters'),
      parseRoute('#/schedules'),
      parseRoute('#/groups'),
      parseRoute('#/submit?workflow=data_processing'),
      parseRoute('#/tasks'),
      parseRoute('#/tasks?status=failed&workflow=pipeline&page=3&cursor=abc%2Bdef'),
      parseRoute('#/tasks/0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11'),
      parseRoute('#/groups/5e1b8f0e-4c2a-4a51-9d0c-6f0f2d0f9a22'),
    ];
    expect(routes.map((route) => route.page)).toEqual([
      'overview',
      'metrics',
      'errors',
      'dead-letters',
      'schedules',
      'groups',
      'submit',
      'tasks',
      'tasks',
      'task',
      'group',
    ]);
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });

  it('reads the Tasks list filters and page from the hash', () => {
    expect(parseRoute('#/tasks?status=failed&workflow=pipeline&page=3&cursor=abc%2Bdef')).toEqual({
      page: 'tasks',
      list: { status: 'failed', workflow: 'pipeline', cursor: 'abc+def', page: 3 },
    });
    // An unknown status lists every status; a cursor without its page number starts at the newest.
    expect(parseRoute('#/tasks?status=done&cursor=abc')).toEqual({
      page: 'tasks',
      list: { status: null, workflow: null, cursor: null, page: 1 },
    });
  });

  it('says when a path names no page', () => {
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found', path: '/nowhere' });
  });
});
