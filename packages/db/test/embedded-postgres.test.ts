import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../src/embedded/child-process.ts';
import { silentLogger } from '../src/embedded/logger.ts';
import { stopStalePostmaster } from '../src/embedded/stale-postmaster.ts';
import {
  connect,
  type EmbeddedPostgres,
  type EmbeddedPostgresState,
  migrate,
  migrationsApplied,
  startEmbeddedPostgres,
  tasks,
} from '../src/index.ts';

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

/** Resolves when the server reaches `state` (state changes are events, not polled). */
function reaches(server: EmbeddedPostgres, state: EmbeddedPostgresState): Promise<void> {
  return new Promise((done) => {
    const unsubscribe = server.onStateChange((current) => {
      if (current !== state) return;
      unsubscribe();
      done();
    });
  });
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

describe('a data dir has one owner', () => {
  it('refuses a second start while the owner runs, naming its pid and port, and leaves its server serving', async () => {
    const owner = await startServerProcess();
    try {
      const first = await owner.nextMessage<{ url: string; pid: number; port: number }>();
      await migrate(first.url);
      await insertTask(first.url, 'first');

      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
        `belongs to a running process (pid ${owner.child.pid}, port ${first.port})`,
      );
      // The claim beside the data dir is hidden: a DATA_DIR listing of input files shows only the data dir.
      const shown = (await readdir(workDir)).filter((name) => !name.startsWith('.'));
      expect(shown).toEqual(['postgres']);

      expect(isProcessAlive(first.pid)).toBe(true);
      expect(await taskOwners(first.url)).toEqual(['first']);
      process.kill(-(owner.child.pid ?? 0), 'SIGINT');
      expect(await owner.exited).toBe(0);
    } finally {
      owner.child.kill('SIGKILL');
    }
    // Once the owner has stopped, the data dir is free again.
    await using second = await startEmbeddedPostgres({ dataDir });
    expect(await taskOwners(second.url)).toEqual(['first']);
  });

  it("honours a claim under the owner file's former name: refused while its process runs, dropped after", async () => {
    const former = `${dataDir}.owner.json`;
    await writeFile(former, JSON.stringify({ pid: process.pid }));
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      `belongs to a running process (pid ${process.pid}, still starting)`,
    );
    await writeFile(former, JSON.stringify({ pid: 2 ** 22 + 1 })); // above Linux's pid_max: no such process
    await using server = await startEmbeddedPostgres({ dataDir });
    expect(server.state).toBe('running');
    expect(await readdir(workDir)).not.toContain('postgres.owner.json');
  });

  it('restarts a server that died on its own, on the same port, with its data', async () => {
    await using server = await startEmbeddedPostgres({ dataDir });
    await migrate(server.url);
    await insertTask(server.url, 'before-the-crash');
    const crashedPid = server.pid;
    const restarting = reaches(server, 'restarting');
    const running = reaches(server, 'running');

    process.kill(crashedPid, 'SIGKILL');

    await restarting;
    await running;
    expect(server.pid).not.toBe(crashedPid);
    expect(await taskOwners(server.url)).toEqual(['before-the-crash']);
  });

  it('reports failed when a server that died cannot be restarted', async () => {
    await using server = await startEmbeddedPostgres({ dataDir });
    const failed = reaches(server, 'failed');
    // A data dir postgres no longer recognises: every restart fails.
    await rename(join(dataDir, 'PG_VERSION'), join(workDir, 'PG_VERSION'));

    process.kill(server.pid, 'SIGKILL');

    await failed;
    expect(server.state).toBe('failed');
    expect(String(await server.failed)).toMatch(/could not be restarted/);
    // The claim is dropped with the server: a later start may take the data dir.
    expect(await readdir(workDir)).not.toContainEqual(expect.stringMatching(/owner/));
  });
});

describe('a checkout under a 0700 directory', () => {
  it('keeps its data where the account postgres runs as can reach it, across restarts, and says where', async () => {
    // Like a checkout in root's home: only its owner may enter `home`.
    const home = join(workDir, 'home');
    await mkdir(join(home, 'checkout', '.data'), { recursive: true });
    await chmod(home, 0o700);
    const requested = join(home, 'checkout', '.data', 'postgres');
    const reachableRoot = join(workDir, 'var-tmp');
    await mkdir(reachableRoot, { mode: 0o1777 });
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (_: object, message: string) => warnings.push(message) };

    const first = await startEmbeddedPostgres({ dataDir: requested, reachableRoot, logger });
    try {
      await migrate(first.url);
      await insertTask(first.url, 'kept');
    } finally {
      await first.stop();
    }
    await using second = await startEmbeddedPostgres({ dataDir: requested, reachableRoot, logger });

    expect(second.dataDir).toBe(first.dataDir);
    expect(await taskOwners(second.url)).toEqual(['kept']);
    const account = process.getuid?.() === 0 ? 65534 : undefined;
    if (account === undefined) {
      // Not root: postgres runs as ourselves and reaches the checkout.
      expect(second.dataDir).toBe(requested);
      return;
    }
    expect(second.dataDir.startsWith(`${reachableRoot}/kaygraph-`)).toBe(true);
    expect((await stat(second.dataDir)).uid).toBe(account);
    expect(warnings).toContain(
      `PostgreSQL runs as uid ${account}, which cannot enter ${home}: its data lives in ${second.dataDir}`,
    );
  });
});
