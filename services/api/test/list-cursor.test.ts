import type { ErrorBody } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { startTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

const ID = '0190f1a2-0000-7000-8000-000000000000';
const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

test('a crafted list cursor (a date JavaScript accepts and PostgreSQL refuses) is a 400 on every list', async () => {
  await using server = await startTestServer({ worker: false });
  for (const crafted of [`2024-02-30T00:00:00.000000Z|${ID}`, `1|${ID}`]) {
    for (const path of ['/tasks', '/groups', '/schedules', '/dead-letters']) {
      const answer = await requestJson(`${server.url}${path}?cursor=${cursorOf(crafted)}`);
      expect({ path, status: answer.status, code: (answer.body as ErrorBody).code }).toEqual({
        path,
        status: 400,
        code: 'BAD_REQUEST',
      });
    }
  }
});
