/**
 * The server's types that type the client, and the only place the client names the server. They
 * are type-only; the package build (scripts/pack) replaces this file's declarations with their
 * expanded form (build/server-types.ts), so the published client needs no server package.
 */
export type { AppRouter, BuiltinWorkflows } from '@kaygraph/api';
