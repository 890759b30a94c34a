/** The inputs a red-team run found answering 5xx, kept in every fuzz run so none comes back. */
import type { FuzzCase, FuzzTargets } from './cases.ts';
import type { Random } from './random.ts';

/** JSON nested `depth` levels (objects or arrays), as text: JSON.stringify would need the same depth of stack. */
function deepJson(random: Random, depth: number): string {
  const [open, close] = random.pick([
    ['{"a":', '}'],
    ['[', ']'],
  ] as const);
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

/**
 * Inputs a red-team run found answering 5xx (issue 16 item 8): deeply nested params, a list cursor that
 * Date.parse accepts and PostgreSQL refuses, NUL in an artifact name, TRACE on /trpc, and a JSON body that
 * is not an object where the route reads "no fields" as "everything".
 */
export function hostileCase(random: Random, targets: FuzzTargets): FuzzCase {
  const json = { 'content-type': 'application/json' };
  switch (random.int(0, 4)) {
    case 0: {
      const deep = deepJson(random, random.pick([5_000, 20_000, 100_000]));
      const body = `{"workflow":"demo","params":{"steps":1,"step_ms":0,"deep":${deep}}}`;
      const path = random.pick(['/tasks', '/trpc/tasks.submit', '/schedules']);
      return { kind: 'http', label: `deep params ${path}`, method: 'POST', path, headers: json, body };
    }
    case 1: {
      const when = random.pick([
        'Sat, 31 Feb 2020 10:00:00',
        '2020-02-30T00:00:00Z',
        'Feb 30 2021',
        '0000-01-01',
      ]);
      const cursor = Buffer.from(`${when}|${targets.taskId}`).toString('base64url');
      const path = random.pick(['/tasks', '/dead-letters', '/groups', '/schedules']);
      return {
        kind: 'http',
        label: `crafted cursor ${path}`,
        method: 'GET',
        path: `${path}?cursor=${cursor}`,
        headers: {},
      };
    }
    case 2: {
      const name = random.pick(['%00', 'a%00b.csv', 'report.csv%00.txt', '%00%00']);
      return {
        kind: 'http',
        label: 'NUL artifact name',
        method: 'GET',
        path: `/tasks/${targets.taskId}/artifacts/${name}`,
        headers: {},
      };
    }
    case 3: {
      const path = random.pick(['/trpc/tasks.list', '/trpc/tasks.get', '/trpc/health', '/trpc/x,y', '/trpc']);
      return { kind: 'raw', label: `TRACE ${path}`, data: `TRACE ${path} HTTP/1.1\r\nHost: x\r\n\r\n` };
    }
    default: {
      const body = random.pick(['null', '"x"', '[]', '42', 'true', '[{}]']);
      return {
        kind: 'http',
        label: 'non-object redrive body',
        method: 'POST',
        path: '/dead-letters/redrive',
        headers: json,
        body,
      };
    }
  }
}
