import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './commands.ts';

/** A hunk of a patch in patches/: the file it changes and the code it leaves there. */
export interface PatchedCode {
  file: string;
  /** The hunk's lines after the patch (context and added), comments and blank lines left out. */
  code: string[];
}

/** The hunks of patches/<name>, for the files whose path (in node_modules) `file` accepts. */
export async function patchedCode(patch: string, file: (path: string) => boolean): Promise<PatchedCode[]> {
  const text = await readFile(join(REPO_ROOT, 'patches', patch), 'utf8');
  const hunks: PatchedCode[] = [];
  let current = '';
  let hunk: PatchedCode | undefined;
  for (const line of text.split('\n')) {
    const target = /^\+\+\+ b\/(.+)$/.exec(line);
    if (target?.[1]) {
      current = target[1];
      hunk = undefined;
    } else if (line.startsWith('@@')) {
      hunk = { file: current, code: [] };
      if (file(current)) hunks.push(hunk);
    } else if (hunk && (line.startsWith(' ') || line.startsWith('+'))) {
      const code = line.slice(1).trim();
      if (code !== '' && !code.startsWith('//')) hunk.code.push(code);
    }
  }
  return hunks;
}

/**
 * JavaScript as a bundler may reprint it, reduced to what it cannot change: no whitespace or
 * semicolons, one kind of quote, and no numeric suffix on names (esbuild renames `Errors` to `Errors2`
 * when two bundled modules both declare it).
 */
export function comparableCode(code: string): string {
  return code
    .replace(/\b([A-Za-z_$][A-Za-z_$]*)\d+\b/g, '$1')
    .replaceAll('"', "'")
    .replace(/[\s;]+/g, '');
}
