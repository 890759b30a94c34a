import type { RestMeta } from './rest-meta.ts';
import { deadLettersRest } from './routers/dead-letters.ts';
import { groupsRest } from './routers/groups.ts';
import { healthRest } from './routers/health.ts';
import { keysRest } from './routers/keys.ts';
import { schedulesRest } from './routers/schedules.ts';
import { searchRest } from './routers/search.ts';
import { serviceIndexRest } from './routers/service-index.ts';
import { streamTokensRest } from './routers/stream-tokens.ts';
import { tasksRest } from './routers/tasks/index.ts';
import { workflowsRest } from './routers/workflows.ts';

/** Every procedure served over REST, by tRPC path (`tasks.submit`), with its metadata. */
export const REST_OPERATIONS: ReadonlyMap<string, RestMeta> = new Map([
  ...tasksRest,
  ...workflowsRest,
  ...groupsRest,
  ...schedulesRest,
  ...deadLettersRest,
  ...serviceIndexRest,
  ...healthRest,
  ...searchRest,
  ...keysRest,
  ...streamTokensRest,
]);
