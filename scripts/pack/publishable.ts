import type { BundleSpec } from './bundle.ts';

/** The workspaces that publish, and what each adds to the plain build (tsc of its src). */
export interface Publishable {
  /** The workspace's folder, relative to the repository root. */
  dir: string;
  /** Commands: a generated launcher (path in the package) that imports the command's module. */
  bin?: Record<string, { launcher: string; module: string }>;
  /** Extra tsc projects run after the build (their output lands in the package's dist/). */
  extraProjects?: string[];
  /** Published files with side effects on import (`sideEffects`); none by default. */
  sideEffects?: string[];
  /**
   * JavaScript bundled by esbuild instead of compiled file by file (tsc then emits declarations
   * only): for a package that carries unpublished workspace packages inside it.
   */
  bundle?: BundleSpec;
}

export const PUBLISHABLE: Record<string, Publishable> = {
  '@kaygraph/contracts': { dir: 'contracts' },
  '@kaygraph/graph': { dir: 'packages/graph' },
  '@kaygraph/client': {
    dir: 'packages/client',
    bin: { kaygraph: { launcher: './bin/kaygraph.js', module: '../cli/main.js' } },
    // The router and built-in workflow types, spelled out so the package needs no server.
    extraProjects: ['tsconfig.server-types.json'],
    sideEffects: ['./bin/kaygraph.js', './cli/main.js'],
  },
  '@kaygraph/worker': {
    dir: 'packages/worker-sdk',
    bin: { 'kaygraph-worker': { launcher: './bin/kaygraph-worker.js', module: '../cli/main.js' } },
    // The types of defineWorkflow and createCatalog, which the bundle carries.
    extraProjects: ['tsconfig.authoring-types.json'],
    sideEffects: ['./bin/kaygraph-worker.js', './cli/main.js'],
    bundle: {
      entries: {
        index: './src/index.ts',
        'cli/run-worker': './src/cli/run-worker.ts',
        'cli/main': './src/cli/main.ts',
        // What the task runtime's piscina threads load (beside the chunk that starts them).
        'task-thread': '../tasks/src/worker/task-thread.ts',
      },
      // postgres runs patched (patches/), which only a copy inside the package keeps in an app; drizzle-orm's
      // postgres-js driver imports postgres, so it comes inside too, or the app would load a second copy.
      inline: ['@kaygraph/tasks', '@kaygraph/db', '@kaygraph/workflows', 'postgres', 'drizzle-orm'],
      typeSpecifiers: { '@kaygraph/workflows/authoring': './authoring/authoring.js' },
    },
  },
};
