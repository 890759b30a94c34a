import { z } from 'zod';

/**
 * A path segment parsed as the parameter `name` (`task_id`): a bad one fails with its issues at `name`, as
 * on the REST routes, whose input is an object holding the parameter, not at the root ("").
 */
export function parsePathParam<T>(name: string, schema: z.ZodType<T>, raw: string): T {
  return z.object({ [name]: schema }).parse({ [name]: raw })[name] as T;
}
