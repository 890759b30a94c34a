import type { WorkflowCatalog } from '../catalog.ts';
import type { Executor } from '../db.ts';
import { builtinNamesAmong } from '../store/registry.ts';

/** A workflow of a worker's catalog whose name (or alias) a built-in workflow has on the database. */
export interface BuiltinNameClash {
  /** The worker's workflow. */
  workflow: string;
  /** Its name or alias that clashes. */
  name: string;
  /** The built-in workflow that has that name (as its name or an alias). */
  builtin: string;
}

function describe(clash: BuiltinNameClash): string {
  const own =
    clash.name === clash.workflow ? `"${clash.name}"` : `"${clash.workflow}" (alias "${clash.name}")`;
  return clash.builtin === clash.name ? own : `${own}, an alias of the built-in "${clash.builtin}"`;
}

/** What a worker says when it refuses to start: the clashing names, and the two ways out. */
export function builtinNameClashMessage(clashes: readonly BuiltinNameClash[]): string {
  const several = clashes.length > 1;
  const first = clashes[0]?.workflow ?? 'workflow';
  return (
    `${several ? 'workflows' : 'workflow'} ${clashes.map(describe).join(', ')} ` +
    `${several ? 'have names of built-in workflows' : 'has the name of a built-in workflow'} registered on ` +
    `this database, whose tasks would go to this worker as a new version of the built-in: give ` +
    `${several ? 'each' : 'yours'} a name of its own (a prefix: "acme_${first}"), or declare ` +
    `replacesBuiltin: true in its defineWorkflow to serve it in the built-in's place`
  );
}

/** A worker's catalog takes names of the built-in workflows registered on its database. */
export class BuiltinNameClashError extends Error {
  readonly code = 'BUILTIN_NAME_CLASH';
  readonly clashes: readonly BuiltinNameClash[];

  constructor(clashes: readonly BuiltinNameClash[]) {
    super(builtinNameClashMessage(clashes));
    this.name = 'BuiltinNameClashError';
    this.clashes = clashes;
  }
}

/**
 * Refuses a catalog whose own workflows (neither built-in nor declared `replacesBuiltin`) take a name or
 * alias a built-in workflow registered on this database: registering it would silently make it the
 * built-in's current version. A database where the built-ins never ran leaves every name free.
 */
export async function refuseBuiltinNameClashes(db: Executor, catalog: WorkflowCatalog): Promise<void> {
  const own = catalog.list().filter((workflow) => !workflow.builtin && !workflow.replacesBuiltin);
  const namesOf = (workflow: { name: string; aliases: readonly string[] }) => [
    workflow.name,
    ...workflow.aliases,
  ];
  const taken = new Map(
    (await builtinNamesAmong(db, own.flatMap(namesOf))).map((row) => [row.name, row.workflow]),
  );
  const clashes = own.flatMap((workflow) =>
    namesOf(workflow).flatMap((name): BuiltinNameClash[] => {
      const builtin = taken.get(name);
      return builtin === undefined ? [] : [{ workflow: workflow.name, name, builtin }];
    }),
  );
  if (clashes.length > 0) throw new BuiltinNameClashError(clashes);
}
