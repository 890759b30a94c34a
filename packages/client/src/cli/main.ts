import { readCliEnv } from './env.ts';
import { runCli } from './program.ts';

/** The `kaygraph` command (bin/kaygraph.js). */
const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  readCliEnv(),
);
// Pending sockets (a closing WebSocket) must not keep a finished command alive.
process.exit(code);
