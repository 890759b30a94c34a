import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';
import * as heldModule from './fixtures/held-workflows.ts';

// Checked before any connection: the URL needs no database behind it.
const databaseUrl = 'postgres://postgres@127.0.0.1:9/never-connected';

test('startWorker given the workflows module itself (from JavaScript) says to pass where it is', async () => {
  await expect(startWorker({ databaseUrl, workflows: heldModule as never })).rejects.toThrow(
    "workflows is where your module is, not the module: import.meta.resolve('./workflows.ts'), a file: URL or an absolute path (got object)",
  );
  await expect(startWorker({ databaseUrl, workflows: heldModule.catalog as never })).rejects.toThrow(
    /not the module: import\.meta\.resolve/,
  );
});

test('startWorker given a relative path says to resolve it', async () => {
  await expect(startWorker({ databaseUrl, workflows: './workflows.ts' })).rejects.toThrow(
    `workflows is where your module is: import.meta.resolve('./workflows.ts'), a file: URL or an absolute path (got "./workflows.ts")`,
  );
});
