/** One `NAME=value` line of an env file, with where it is. */
export interface DotenvEntry {
  name: string;
  value: string;
  line: number;
}

/**
 * Parses the subset of the .env format that compose and shells agree on: `NAME=value` lines, `#` comments,
 * blank lines, optional single or double quotes around the whole value. Anything else is an error, so a
 * malformed line cannot slip through as an unset variable.
 */
export function parseDotenv(text: string): DotenvEntry[] {
  const entries: DotenvEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) {
      throw new Error(`line ${index + 1} is not NAME=value: ${raw}`);
    }
    entries.push({ name: match[1], value: unquote(match[2]), line: index + 1 });
  });
  return entries;
}

function unquote(value: string): string {
  const quoted = /^(['"])(.*)\1$/.exec(value);
  return quoted?.[2] ?? value;
}

/** The names of an env file that are commented out (`# NAME=value`): documented but not set. */
export function commentedDotenvNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^#\s*([A-Z][A-Z0-9_]*)=/gm)) {
    if (match[1]) names.add(match[1]);
  }
  return names;
}
