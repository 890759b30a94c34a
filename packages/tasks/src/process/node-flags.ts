/** The Node flags this process runs with: its command line's, then NODE_OPTIONS' (which Node itself reads). */
export function nodeFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}
