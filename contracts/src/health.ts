import { z } from 'zod';

export const HealthOutput = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptime_seconds: z.number(),
});
export type HealthOutput = z.infer<typeof HealthOutput>;

export const ReadyOutput = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.boolean(),
  migrations: z.boolean(),
});
export type ReadyOutput = z.infer<typeof ReadyOutput>;
