import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connect, startEmbeddedPostgres } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { describe, expect, test } from 'vitest';
import { runKeysCommand } from '../src/commands/keys.ts';
import { loadApiEnv } from '../src/env.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface KeyJson {
  id: string;
  name: string;
  owner: string;
  prefix: string;
  admin: boolean;
  key?: string;
  revoked_at: string | null;
}

/** `main.ts keys ...` in this process, with only `env` as the api's environment. */
async function keys(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await runKeysCommand(args, {
    env: loadApiEnv(env),
    io: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) },
  });
  return { code, stdout, stderr };
}

/** The real `npm run keys -- ...` (node services/api/src/main.ts keys ...) in its own process. */
function keysProcess(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      [MAIN, 'keys', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** A local port that accepts connections and never answers on them. */
async function silentPort(): Promise<AsyncDisposable & { port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A DATA_DIR of its own that the unprivileged PostgreSQL account can enter (mkdtemp makes 0700). */
async function temporaryDataDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), 'kaygraph-keys-command-'));
  await chmod(path, 0o755);
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

async function activeKeyNames(url: string): Promise<string[]> {
  const { sql, close } = connect(url, { max: 1 });
  try {
    const rows = await sql<
      { name: string }[]
    >`select name from api_keys where revoked_at is null order by name`;
    return rows.map((row) => row.name);
  } finally {
    await close();
  }
}

describe('the api keys command', () => {
  test('create, list and revoke on DATABASE_URL, as npm run keys does', async () => {
    await using database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };

    const human = await keysProcess(['create', '--name', 'me', '--admin'], env);
    expect(human.stderr).toContain('created admin key');
    expect(human.code).toBe(0);
    expect(human.stdout.trim()).toMatch(/^kg_[\w-]{40,}$/);

    const created = await keys(['create', '--name', 'ci', '--owner', 'builds', '--json'], env);
    expect(created.code).toBe(0);
    const ci = JSON.parse(created.stdout) as KeyJson;
    expect(ci).toMatchObject({ name: 'ci', owner: 'builds', admin: false, revoked_at: null });

    const table = await keys(['list'], env);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+OWNER\s+PREFIX\s+ADMIN/);
    expect(table.stdout).not.toContain(human.stdout.trim());
    expect(table.stdout).not.toContain(ci.key);

    const revoked = await keys(['revoke', ci.prefix.slice(0, 9)], env);
    expect(revoked.stdout.trim()).toBe(`revoked ${ci.id} "ci" (owner builds)`);
    expect(await activeKeyNames(database.url)).toEqual(['me']);
    const all = JSON.parse((await keys(['list', '--all', '--json'], env)).stdout) as KeyJson[];
    expect(all.find((key) => key.id === ci.id)?.revoked_at).not.toBeNull();
  });

  test('bad usage exits 2 with the usage; a refused revoke exits 1', async () => {
    await using database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    const noName = await keys(['create', '--admin'], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name is required');
    expect(noName.stderr).toContain('Usage:');
    expect((await keys(['rotate'], env)).code).toBe(2);
    expect((await keys(['create', '--name', 'x', '--rate-limit', 'fast'], env)).code).toBe(2);
    const help = await keys([], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('create --name <name>');
    const unknown = await keys(['revoke', '00000000-0000-4000-8000-000000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
    expect(await activeKeyNames(database.url)).toEqual([]);

    const unreachable = await keys(['list'], { DATABASE_URL: 'postgres://ops:s3cret@127.0.0.1:1/kaygraph' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe('error: cannot reach the database at 127.0.0.1:1 (DATABASE_URL)\n');
  });

  test('a database that does not answer in time cannot be reached, as the api says when it cannot start', async () => {
    // Accepts and never speaks: a host behind a firewall that drops packets looks the same to the driver.
    await using silent = await silentPort();
    const url = `postgres://ops@127.0.0.1:${silent.port}/kaygraph?connect_timeout=1`;
    const unanswered = await keys(['list'], { DATABASE_URL: url });
    expect(unanswered.code).toBe(1);
    expect(unanswered.stderr).toBe(
      `error: cannot reach the database at 127.0.0.1:${silent.port} (DATABASE_URL)\n`,
    );
  });

  test('without DATABASE_URL it uses the embedded PostgreSQL that npm start runs on DATA_DIR', async () => {
    await using dataDir = await temporaryDataDir();
    await using running = await startEmbeddedPostgres({
      dataDir: join(dataDir.path, 'postgres'),
      fsync: false,
    });
    const created = await keys(['create', '--name', 'me', '--admin'], { DATA_DIR: dataDir.path });
    expect(created.stderr).toContain('created admin key');
    expect(created.code).toBe(0);
    // The key is in the running server's database, and that server still runs.
    expect(await activeKeyNames(running.url)).toEqual(['me']);
    const pid = (await readFile(join(dataDir.path, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0];
    expect(Number(pid)).toBe(running.pid);
  });

  test('without DATABASE_URL and no server running, it starts the embedded one and stops it after', async () => {
    await using dataDir = await temporaryDataDir();
    const created = await keys(['create', '--name', 'first', '--admin', '--json'], {
      DATA_DIR: dataDir.path,
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'first', admin: true });
    await expect(readFile(join(dataDir.path, 'postgres', 'postmaster.pid'))).rejects.toThrow(/ENOENT/);

    // The key stays in the data dir for the api's next start.
    await using restarted = await startEmbeddedPostgres({ dataDir: join(dataDir.path, 'postgres') });
    expect(await activeKeyNames(restarted.url)).toEqual(['first']);
  });
});
