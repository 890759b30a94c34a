import { matchesGlob } from 'node:path';

interface IgnoreRule {
  pattern: string;
  negated: boolean;
}

/** The rules of a .dockerignore file, in order (comments and blank lines dropped). */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) =>
      line.startsWith('!')
        ? { pattern: clean(line.slice(1)), negated: true }
        : { pattern: clean(line), negated: false },
    );
}

function clean(pattern: string): string {
  return pattern.replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * Whether a path (relative to the build context) is left out of the context, by Docker's rules: the last
 * matching rule wins, and a rule that matches a parent directory matches everything below it.
 */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => matchesGlob(candidate, rule.pattern))) {
      ignored = !rule.negated;
    }
  }
  return ignored;
}
