/** Who is asking: every read and write is scoped to `owner` unless `admin`. */
export interface Caller {
  owner: string;
  admin: boolean;
}

/** Whether `caller` may see and act on what `owner` owns: an admin on everything, anyone else on their own. */
export function mayAccess(caller: Caller, owner: string): boolean {
  return caller.admin || owner === caller.owner;
}

/** The owner that `caller`'s listings are limited to; undefined for an admin, who lists every owner's. */
export function listedOwner(caller: Caller): string | undefined {
  return caller.admin ? undefined : caller.owner;
}
