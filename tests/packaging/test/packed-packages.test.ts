import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startTestServer } from '@kaygraph/api/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createFixtureApp,
  type FixtureApp,
  REPO_ROOT,
  runCommand,
  tarballFiles,
} from '../src/fixture-app.ts';
import { readmeAppSection } from '../src/readme-app.ts';

/** The system's Node, which the published client must run on (the workspace itself runs Node 24). */
const SYSTEM_NODE = '/usr/bin/node';
const PACKAGES = ['@kaygraph/contracts', '@kaygraph/graph', '@kaygraph/client', '@kaygraph/worker'];
/** What a front end or an app that only calls the api installs: no worker SDK. */
const CLIENT_PACKAGES = ['@kaygraph/contracts', '@kaygraph/graph', '@kaygraph/client'];

let app: FixtureApp;
beforeAll(async () => {
  app = await createFixtureApp(CLIENT_PACKAGES);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
});

describe('the tarballs', () => {
  test.each(PACKAGES)('%s holds compiled JavaScript, declarations and its manifest only', async (name) => {
    const tarball = app.tarballs.get(name);
    expect(tarball, `${name} was packed`).toBeDefined();
    const files = await tarballFiles(tarball ?? '');
    expect(files).toContain('package.json');
    expect(files).toContain('index.js');
    expect(files).toContain('index.d.ts');
    const unexpected = files.filter(
      (file) =>
        !/\.(?:js|d\.ts)$/.test(file) &&
        !['package.json', 'README.md'].includes(file) &&
        !(name === '@kaygraph/worker' && file === 'THIRD_PARTY_NOTICES.md'),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => /(?:^|\/)test|\.test\./.test(file))).toEqual([]);
  });

  test('the installed manifests name exact sibling versions and no server package', async () => {
    const manifest = async (name: string) =>
      JSON.parse(await readFile(join(app.dir, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
        dependencies: Record<string, string>;
        exports: Record<string, unknown>;
        private?: boolean;
      };
    const client = await manifest('@kaygraph/client');
    const contracts = await manifest('@kaygraph/contracts');
    expect(client.dependencies['@kaygraph/contracts']).toBe(contracts.version);
    expect(Object.keys(client.dependencies).filter((dep) => dep.startsWith('@kaygraph/'))).toEqual([
      '@kaygraph/contracts',
    ]);
    expect(client.exports['.']).toEqual({ types: './index.d.ts', default: './index.js' });
    expect(client.private).toBeUndefined();
    expect((await manifest('@kaygraph/graph')).dependencies).toEqual({});
    const installed = await runCommand('npm', ['ls', '--all', '--parseable'], { cwd: app.dir });
    expect(installed.stdout).not.toMatch(/@kaygraph\/(?:api|tasks|db|workflows)/);
  });
});

/** `tsc -p` of a config written for the app's typed call: its output and exit code. */
async function typecheckTypedCall(name: string, compilerOptions: Record<string, unknown>) {
  const config = join(app.dir, `tsconfig.${name}.json`);
  await writeFile(config, JSON.stringify({ compilerOptions, files: ['typed-call.ts'] }));
  const tsc = await runCommand(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', config], {
    cwd: app.dir,
  });
  return { output: `${tsc.stdout}${tsc.stderr}`, code: tsc.code };
}

describe('types in the app', () => {
  const tsconfigs = {
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  };
  test.each(Object.entries(tsconfigs))(
    'a typed call compiles, and wrong params do not (%s)',
    async (kind, options) => {
      const tsc = await typecheckTypedCall(kind, {
        ...options,
        target: 'es2023',
        lib: ['es2023', 'esnext.disposable', 'dom'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      });
      expect(tsc).toEqual({ output: '', code: 0 });
    },
  );

  // A Node app without lib "dom", checking every declaration file: the client's own need none of the DOM's
  // names; tRPC's client declarations name one (RequestInfo), which such an app meets only with skipLibCheck off.
  test.each(Object.entries(tsconfigs))(
    "a typed call compiles in a Node app without lib dom, but for tRPC's RequestInfo (%s)",
    async (kind, options) => {
      const compilerOptions = {
        ...options,
        target: 'es2023',
        lib: ['es2023', 'esnext.disposable'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      };
      const checked = await typecheckTypedCall(`node-${kind}`, compilerOptions);
      const errors = checked.output.split('\n').filter((line) => /error TS\d+/.test(line));
      const outsideTrpc = errors.filter(
        (line) => !/^node_modules\/@trpc\/client\/.*error TS2552: Cannot find name 'RequestInfo'/.test(line),
      );
      expect(outsideTrpc).toEqual([]);
      const skipping = await typecheckTypedCall(`node-${kind}`, { ...compilerOptions, skipLibCheck: true });
      expect(skipping).toEqual({ output: '', code: 0 });
    },
  );

  test('a mistake in the typed call is reported against the installed declarations', async () => {
    const source = await readFile(join(app.dir, 'typed-call.ts'), 'utf8');
    await writeFile(
      join(app.dir, 'typed-call-broken.ts'),
      source.replace('params: { width: 64 }', "params: { width: 'wide' }"),
    );
    const config = join(app.dir, 'tsconfig.broken.json');
    await writeFile(
      config,
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          strict: true,
          noEmit: true,
          lib: ['es2023', 'esnext.disposable', 'dom'],
          types: [],
        },
        files: ['typed-call-broken.ts'],
      }),
    );
    const tsc = await runCommand(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', config], {
      cwd: app.dir,
    });
    expect(tsc.code).not.toBe(0);
    expect(tsc.stdout).toMatch(
      /typed-call-broken\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });
});

describe('on the system Node 20', () => {
  test('the client follows a task of a real api over SSE, a graph runs, the CLI lists the task', async () => {
    await using server = await startTestServer();
    const run = await runCommand(SYSTEM_NODE, ['live-call.mjs'], {
      cwd: app.dir,
      env: {
        ...process.env,
        KAYGRAPH_URL: server.url,
        KAYGRAPH_WORKFLOW: 'steps',
        KAYGRAPH_PARAMS: JSON.stringify({ steps: 3, delay_ms: 150 }),
      },
      timeoutMs: 60_000,
    });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as {
      node: string;
      status: string;
      result: unknown;
      progress: number[];
      graph: number;
    };
    expect(seen.node).toMatch(/^v20\./);
    expect(seen.status).toBe('completed');
    expect(seen.result).toEqual({ steps_done: 3 });
    expect(seen.progress.length).toBeGreaterThan(0);
    expect(seen.graph).toBe(42);

    // The CLI of the same tarball lists that task.
    const cli = await runCommand(SYSTEM_NODE, ['node_modules/.bin/kaygraph', 'list', '--url', server.url], {
      cwd: app.dir,
      timeoutMs: 60_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('steps');
  });

  test('`kaygraph worker` without the worker SDK says what to install', async () => {
    const cli = await runCommand(SYSTEM_NODE, ['node_modules/.bin/kaygraph', 'worker', 'workflows.ts'], {
      cwd: app.dir,
      timeoutMs: 60_000,
    });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      'error: WORKER_SDK_MISSING: kaygraph worker runs the worker SDK, which is not installed here: ' +
        'npm install @kaygraph/worker\n',
    );
  });
});

describe('in a browser bundle', () => {
  test('the client bundles for the browser, small and without zod or any server package', async () => {
    const result = await build({
      entryPoints: [join(app.dir, 'browser-entry.js')],
      absWorkingDir: app.dir,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // Modules with code in the bundle (the metafile's inputs also list what tree shaking dropped).
    const bundled = Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0),
    );
    const inputs = bundled.map(([path]) => path);
    expect(inputs.some((input) => input.includes('node_modules/@kaygraph/client/'))).toBe(true);
    expect(
      inputs.filter((input) => /node_modules\/(?:zod|@kaygraph\/(?!client|contracts))/.test(input)),
    ).toEqual([]);
    // The size the README states (gzipped, tRPC client included): printed, and within 1 kB of the figure.
    const bytes = result.outputFiles.reduce((sum, file) => sum + gzipSync(file.contents).byteLength, 0);
    const kB = bytes / 1024;
    console.info(`the client in a minified browser bundle: ${kB.toFixed(1)} kB gzipped`);
    const stated = /it\s+is\s+([\d.]+)\s+kB\s+gzipped,\s+the\s+tRPC\s+client\s+included/.exec(
      await readmeAppSection(),
    );
    expect(stated, 'the README states the size').not.toBeNull();
    expect(Math.abs(kB - Number(stated?.[1]))).toBeLessThan(1);
  });
});
