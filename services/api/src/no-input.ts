import { z } from 'zod';

/** Input of procedures that take none: callers may pass nothing (`.query()`) or `{}`, no field. */
export const NoInput = z.strictObject({}).optional();
