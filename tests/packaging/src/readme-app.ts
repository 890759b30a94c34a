import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './commands.ts';

/** The fenced blocks of a markdown text whose info string names a file (```ts worker.ts), by file name. */
export function namedBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const fence = /^```[\w-]+ ([\w.-]+)\n([\s\S]*?)\n```$/gm;
  for (const [, name = '', code = ''] of markdown.matchAll(fence)) {
    if (blocks.has(name)) throw new Error(`two blocks name ${name}`);
    blocks.set(name, `${code}\n`);
  }
  return blocks;
}

/** The packages the README's `npm install` line installs from tarballs (`kaygraph-{a,b}-x.y.z.tgz`). */
export function installedTarballs(markdown: string): string[] {
  const match = /npm install \S*kaygraph-\{([\w,-]+)\}-\d+\.\d+\.\d+\.tgz/.exec(markdown);
  if (!match?.[1]) throw new Error('the README has no npm install line of the tarballs');
  return match[1].split(',').map((name) => `@kaygraph/${name}`);
}

/** The "Use it from your project" section of the root README. */
export async function readmeAppSection(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it from your project');
  if (start < 0) throw new Error('the README has no "Use it from your project" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The files of a directory by name, with their text. */
export async function filesOf(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name), 'utf8'));
  return files;
}
