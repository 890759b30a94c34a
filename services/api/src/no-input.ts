import { z } from 'zod';

/** Input of procedures that take none: callers may pass nothing (`.query()`) or `{}`. */
export const NoInput = z.object({}).optional();
