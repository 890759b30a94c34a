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
      'task',
      'group',
    ]);
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });

  it('says when a path names no page', () => {
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found', path: '/nowhere' });
  });
});
