#!/usr/bin/env node
// The CLI is TypeScript, run by Node's type stripping (Node >= 22.18; the project's node is 24).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `kaygraph needs Node >= 22.18 (this is ${process.versions.node}); run it as \`npx kaygraph\` from the project.\n`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
