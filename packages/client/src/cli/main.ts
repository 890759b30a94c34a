import { readCliEnv } from './env.ts';
import { runCli } from './program.ts';

/** The `kaygraph` command (bin/kaygraph.js). */

// A reader that stops early (`kaygraph dlq | head -1`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});
const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  readCliEnv(),
);
// Writes to pipes are asynchronous: let them drain, then exit even if a socket (a closing
// WebSocket, a keep-alive connection) would keep the process waiting.
const drained = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
