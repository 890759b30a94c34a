import { z } from 'zod';

export const HealthOutput = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptime_seconds: z.number(),
});
export type HealthOutput = z.infer<typeof HealthOutput>;

export const ReadyOutput = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.boolean().describe('The database answers a query.'),
  migrations: z
    .boolean()
    .nullable()
    .describe('Every committed migration is applied; null while the database cannot be reached (not known).'),
});
export type ReadyOutput = z.infer<typeof ReadyOutput>;

/** What a service finds of its database for readiness: ReadyOutput without the verdict. */
export type Readiness = Omit<ReadyOutput, 'status'>;

/** Readiness while the database cannot be reached: its migrations are not known, not missing. */
export const UNREACHABLE_READINESS: Readiness = { database: false, migrations: null };
