/** A variable of the environment that reads like a misspelling of a setting (`MAX_WORKER` for `MAX_WORKERS`). */
export interface MisspeltSetting {
  name: string;
  meant: string;
}

/** Edits (insert, delete, replace a character) between two names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * How many edits still read as the setting: few for short names, so that the variables every environment
 * has (HOME, PATH) are never taken for HOST or PORT.
 */
function toleranceOf(setting: string): number {
  if (setting.length <= 5) return 1;
  return setting.length <= 9 ? 2 : 3;
}

/**
 * The variables among `names` that are not one of `settings` but read like one (case aside, or a few
 * characters off): set, they would be ignored and the setting would keep its default.
 */
export function misspeltSettings(names: Iterable<string>, settings: readonly string[]): MisspeltSetting[] {
  const known = new Set(settings);
  const found: MisspeltSetting[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    const upper = name.toUpperCase();
    let best: { meant: string; distance: number } | undefined;
    for (const setting of settings) {
      const distance = editDistance(upper, setting);
      if (distance <= toleranceOf(setting) && (!best || distance < best.distance))
        best = { meant: setting, distance };
    }
    if (best) found.push({ name, meant: best.meant });
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
