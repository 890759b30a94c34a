import { z } from 'zod';

/** The service's name: `GET /` says it, and it titles the OpenAPI document. */
export const SERVICE_NAME = 'KayGraph Tasks API';

/** Where a newcomer goes from `GET /`: paths on this server (root-relative, so they hold behind a proxy). */
export const ServiceLinks = z.object({
  dashboard: z.string().optional().describe('The web dashboard, where this server serves one.'),
  docs: z.string().describe('Swagger UI over the OpenAPI document.'),
  openapi: z.string().describe('The OpenAPI 3.1 document.'),
  health: z.string().describe('Liveness.'),
  ready: z.string().describe('Readiness: the database reachable and migrated.'),
});
export type ServiceLinks = z.infer<typeof ServiceLinks>;

/** What `GET /` answers: which service this is, its version, and its links. */
export const ServiceIndex = z.object({
  service: z.string(),
  version: z.string(),
  links: ServiceLinks,
});
export type ServiceIndex = z.infer<typeof ServiceIndex>;
