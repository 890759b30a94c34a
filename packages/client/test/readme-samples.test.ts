import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

/**
 * Every ```ts block of the READMEs (root, packages/*, services/*) compiles as a module of its own
 * against the workspace's packages, with the repository's compiler options: a sample a reader
 * copies must not fail on an undeclared name or an API that changed.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Sample {
  /** README path relative to the repository, e.g. `packages/client/README.md`. */
  readme: string;
  /** Line of the block's first code line in the README (1-based). */
  line: number;
  code: string;
}

async function readmePaths(): Promise<string[]> {
  const paths = ['README.md'];
  for (const group of ['packages', 'services']) {
    const entries = await readdir(join(ROOT, group), { withFileTypes: true });
    for (const entry of entries) {
      const path = `${group}/${entry.name}/README.md`;
      if (entry.isDirectory() && (await readFile(join(ROOT, path)).catch(() => undefined))) paths.push(path);
    }
  }
  return paths;
}

function typescriptBlocks(readme: string, markdown: string): Sample[] {
  const samples: Sample[] = [];
  const lines = markdown.split('\n');
  let start = -1;
  for (const [index, line] of lines.entries()) {
    if (start < 0 && /^```(ts|typescript)\s*$/.test(line)) start = index + 1;
    else if (start >= 0 && /^```\s*$/.test(line)) {
      samples.push({ readme, line: start + 1, code: lines.slice(start, index).join('\n') });
      start = -1;
    }
  }
  return samples;
}

function fileNameOf(sample: Sample): string {
  return `${sample.readme.replace(/\/README\.md$|\.md$/, '').replaceAll('/', '_')}_L${sample.line}.ts`;
}

function runTsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [TSC, '-p', project, '--pretty', 'false'],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr });
      },
    );
  });
}

/** `README.md:78: error TS2304: ...` for an error at line 8 of the block that starts at line 71. */
function errorsInReadmeTerms(output: string, samples: Map<string, Sample>): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const match = /^(?:.*[/\\])?([^/\\(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
      const sample = match ? samples.get(match[1] ?? '') : undefined;
      if (!match || !sample) return line;
      return `${sample.readme}:${sample.line + Number(match[2]) - 1}: ${match[4]}`;
    });
}

describe('README samples', () => {
  test('the extractor finds the ts blocks with their README lines', () => {
    const markdown = [
      '# x',
      '```ts',
      'const a = 1;',
      '```',
      '```bash',
      'ls',
      '```',
      '```typescript',
      'b;',
      '```',
    ];
    expect(typescriptBlocks('R.md', markdown.join('\n'))).toEqual([
      { readme: 'R.md', line: 3, code: 'const a = 1;' },
      { readme: 'R.md', line: 9, code: 'b;' },
    ]);
  });

  test('every TypeScript block of the READMEs type-checks', async () => {
    const samples = new Map<string, Sample>();
    for (const readme of await readmePaths()) {
      for (const sample of typescriptBlocks(readme, await readFile(join(ROOT, readme), 'utf8'))) {
        samples.set(fileNameOf(sample), sample);
      }
    }
    expect([...samples.values()].some((sample) => sample.readme === 'README.md')).toBe(true);

    const dir = await mkdtemp(join(tmpdir(), 'kaygraph-readme-samples-'));
    try {
      // The workspace's node_modules resolves @kaygraph/* (workspace links) and every dependency.
      await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      await writeFile(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
      for (const [name, sample] of samples) await writeFile(join(dir, name), `${sample.code}\nexport {};\n`);
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ extends: join(ROOT, 'tsconfig.base.json'), include: ['*.ts'] }),
      );
      const result = await runTsc(join(dir, 'tsconfig.json'));
      expect(errorsInReadmeTerms(result.output, samples)).toEqual([]);
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
