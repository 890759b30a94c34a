/** A task id's shape: its prefix is padded to a whole id within it. */
const SHAPE = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

/**
 * The ids a task id prefix (`isTaskIdPrefix`) names, as a range of the primary key: the prefix padded
 * with the lowest digits, then the highest. `0b8f5a0e` -> 0b8f5a0e-0000-… to 0b8f5a0e-ffff-….
 */
export function idRangeOf(prefix: string): { from: string; to: string } {
  const start = prefix.toLowerCase();
  const pad = (digit: string) => start + SHAPE.slice(start.length).replaceAll('x', digit);
  return { from: pad('0'), to: pad('f') };
}
