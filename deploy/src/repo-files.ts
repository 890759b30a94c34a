import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root: deploy/src -> ../.. . Every deployment file lives there. */
export const repoRoot: string = resolve(import.meta.dirname, '..', '..');

export function repoPath(relativePath: string): string {
  return resolve(repoRoot, relativePath);
}

export function readRepoFile(relativePath: string): string {
  return readFileSync(repoPath(relativePath), 'utf8');
}

export function repoFileExists(relativePath: string): boolean {
  return existsSync(repoPath(relativePath));
}
