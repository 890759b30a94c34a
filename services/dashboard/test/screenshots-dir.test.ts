import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { expect, it } from 'vitest';
import { screenshotsDir } from './support/screenshots-dir.ts';

const repositoryRoot = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();

it('writes the test run screenshots outside the repository, so a test run changes no tracked file', () => {
  const dir = screenshotsDir({});
  expect(relative(repositoryRoot, dir).startsWith('..')).toBe(true);
});

it('writes them where SCREENSHOTS_DIR says when the README images are refreshed', () => {
  expect(screenshotsDir({ SCREENSHOTS_DIR: `${repositoryRoot}/docs/screenshots` })).toBe(
    `${repositoryRoot}/docs/screenshots`,
  );
});
