import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../src/embedded/child-process.ts';
import { silentLogger } from '../src/embedded/logger.ts';
import { stopStalePostmaster } from '../src/embedded/stale-postmaster.ts';
import { connect, migrate, migrationsApplied, startEmbeddedPostgres, tasks } from '../src/index.ts';

let dataDir: string;
let workDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'kaygraph-embedded-test-'));
  // Not the mkdtemp dir itself: its parent must be passable for the unprivileged account postgres runs as.
  await chmod(workDir, 0o755);
  dataDir = join(workDir, 'postgres');
});

afterEach(async () => {
  // A failed test may leave a server behind; it must not outlive the run.
  await stopStalePostmaster(dataDir, silentLogger);
  await rm(workDir, { recursive: true, force: true });
});

async function insertTask(url: string, owner: string) {
  const { db, close } = connect(url);
  try {
    await db.insert(tasks).values({
      owner,
      workflow: 'demo',
      status: 'completed',
      completedAt: new Date(),
      maxRetries: 0,
      timeoutSeconds: 5,
    });
  } finally {
    await close();
  }
}

async function taskOwners(url: string): Promise<string[]> {
  const { db, close } = connect(url);
  try {
    return (await db.select({ owner: tasks.owner }).from(tasks)).map((row) => row.owner);
  } finally {
    await close();
  }
}

const fixture = join(import.meta.dirname, 'fixtures', 'embedded-server-process.ts');

/** Runs the fixture in its own process group (as a shell runs a command) and reads its JSON lines. */
async function startServerProcess() {
  const child = spawn(process.execPath, [fixture, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    exited,
    async nextMessage<T>(): Promise<T> {
      const line = await Promise.race([
        lines.next(),
        exited.then((code) => Promise.reject(new Error(`the server process exited (${code})`))),
      ]);
      if (line.done) throw new Error(`the server process ended its output (exit ${await exited})`);
      return JSON.parse(String(line.value)) as T;
    },
  };
}

function processUid(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((status) => Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]));
}

describe('startEmbeddedPostgres', () => {
  it('starts, migrates, keeps its data across a restart (on a configured port), and stops cleanly', async () => {
    const first = await startEmbeddedPostgres({ dataDir });
    try {
      expect(first.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/kaygraph$/);
      // Root cannot run postgres: it runs as `nobody` then, else as ourselves.
      expect(await processUid(first.pid)).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
      await migrate(first.url);
      await insertTask(first.url, 'before-restart');
    } finally {
      await first.stop();
    }
    expect(isProcessAlive(first.pid)).toBe(false);
    await expect(stat(join(dataDir, 'postmaster.pid'))).rejects.toThrow();

    await using second = await startEmbeddedPostgres({ dataDir, port: first.port });
    expect(second.url).toBe(first.url);
    const { sql, close } = connect(second.url);
    try {
      expect(await migrationsApplied(sql)).toBe(true);
      const [setting] = await sql<{ port: string }[]>`select current_setting('port') as port`;
      expect(setting?.port).toBe(String(first.port));
    } finally {
      await close();
    }
    expect(await taskOwners(second.url)).toEqual(['before-restart']);
  });

  it('keeps serving through a Ctrl-C until its owner stops it', async () => {
    const owner = await startServerProcess();
    try {
      const server = await owner.nextMessage<{ url: string; pid: number }>();
      // A terminal's Ctrl-C signals the whole foreground process group.
      process.kill(-(owner.child.pid ?? 0), 'SIGINT');
      const shutdown = await owner.nextMessage<{ queriedDuringShutdown: number }>();
      expect(shutdown).toEqual({ queriedDuringShutdown: 42 });
      expect(await owner.exited).toBe(0);
      expect(isProcessAlive(server.pid)).toBe(false);
    } finally {
      owner.child.kill('SIGKILL');
    }
  });

  it('stops the postmaster a SIGKILLed process left behind, then starts on the same data', async () => {
    const owner = await startServerProcess();
    let orphan: { url: string; pid: number };
    try {
      orphan = await owner.nextMessage<{ url: string; pid: number }>();
      await migrate(orphan.url);
      await insertTask(orphan.url, 'written-by-the-killed-process');
    } finally {
      owner.child.kill('SIGKILL');
      await owner.exited;
    }
    // The detached postmaster outlived its parent and still serves.
    expect(await taskOwners(orphan.url)).toEqual(['written-by-the-killed-process']);

    await using server = await startEmbeddedPostgres({ dataDir });
    expect(isProcessAlive(orphan.pid)).toBe(false);
    expect(await taskOwners(server.url)).toEqual(['written-by-the-killed-process']);
  });
});
