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
};
