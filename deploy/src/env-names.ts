import { readdirSync } from 'node:fs';
import { readRepoFile, repoFileExists } from './repo-files.ts';

/**
 * The env modules of everything the deployment runs: each service's env.ts (the only place a service reads
 * `process.env`) and the one-shot migration's. Found on disk, so a new service is checked without a change here.
 */
export function envModulePaths(): string[] {
  const services = readdirSync(new URL('../../services/', import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `services/${entry.name}/src/env.ts`)
    .filter(repoFileExists);
  return [...services, 'packages/db/src/migrate-env.ts'].filter(repoFileExists);
}

/** `KEY:` at the start of a line: a key of the zod object that describes the environment. */
const SCHEMA_KEY = /^\s*([A-Z][A-Z0-9_]*)\s*:/gm;
/** `process.env.KEY`, `env.KEY`, `source.KEY` and the bracketed forms: a direct read. */
const MEMBER_READ =
  /\b(?:process\.env|env|source)(?:\.([A-Z][A-Z0-9_]*)\b|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g;

/**
 * The environment variable names an env module reads, taken from its source text: the keys of its zod
 * schema and its direct reads. Reading the source (rather than importing it) sees every name, also the
 * optional ones, without running the module.
 */
export function envNamesInSource(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(SCHEMA_KEY)) {
    if (match[1]) names.add(match[1]);
  }
  for (const match of source.matchAll(MEMBER_READ)) {
    const name = match[1] ?? match[2];
    if (name) names.add(name);
  }
  return names;
}

/**
 * Schemas of settings several services share, by the name an env module spreads or extends them with, and
 * the module that writes them: a module that names one reads its names too.
 */
const SHARED_ENV_SCHEMAS: Record<string, string> = {
  WorkerSettingsEnv: 'packages/tasks/src/process/worker-env.ts',
};

/** The names one env module reads: its own, and those of the shared schemas it names. */
function envNamesOfModule(path: string): Set<string> {
  const source = readRepoFile(path);
  const names = envNamesInSource(source);
  for (const [schema, schemaPath] of Object.entries(SHARED_ENV_SCHEMAS)) {
    if (!new RegExp(`\\b${schema}\\b`).test(source)) continue;
    for (const name of envNamesInSource(readRepoFile(schemaPath))) names.add(name);
  }
  return names;
}

/** Every name that some part of the deployment reads, by env module. */
export function envNamesByModule(): Map<string, Set<string>> {
  return new Map(envModulePaths().map((path) => [path, envNamesOfModule(path)]));
}

/** The union over all env modules: what a compose service, ConfigMap or .env.example may set. */
export function envNamesReadAnywhere(): Set<string> {
  const all = new Set<string>();
  for (const names of envNamesByModule().values()) {
    for (const name of names) all.add(name);
  }
  return all;
}
