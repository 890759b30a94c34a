import { restOperations } from '../../rest-meta.ts';

/** The OpenAPI tag of every task operation. */
export const TAG = ['tasks'];

/** The task procedures' REST operations, one table that each concern's file adds its own to. */
export const rest = restOperations('tasks');
