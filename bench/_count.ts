import postgres from 'postgres';
import { drainFloorQueue, sameWindowFloor } from './drain-floor.ts';
import { noopTaskSystem, submitNoopTasks } from './noop-tasks.ts';
import { withScratchDatabase } from './scratch-database.ts';

const kind = process.argv[2] ?? 'ours';
const tasks = Number(process.argv[3] ?? 512);
const conc = Number(process.argv[4] ?? 256);
await withScratchDatabase('postgres://postgres@127.0.0.1:5432/test', 'count', async (url) => {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres('postgres://postgres@127.0.0.1:5432/test', { max: 1 });
  const system = await noopTaskSystem(url);
  await submitNoopTasks(system, 'bench_noop_inline', tasks);
  await admin.unsafe(`alter database "${name}" set log_statement = 'all'`);
  await system.close();
  const s2 = await noopTaskSystem(url);
  const m = postgres(url, { max: 1 });
  const before = (
    await m`select xact_commit::int x, tup_inserted::int i, tup_updated::int u, tup_deleted::int d from pg_stat_database where datname=current_database()`
  )[0];
  await m`select 'MARK-START'`;
  if (kind === 'floor') await drainFloorQueue(s2, 'bench_noop_inline', tasks, sameWindowFloor(conc));
  else {
    const w = await s2.startWorker({
      concurrency: conc,
      workflowsModule: new URL('./lifecycle-workflows.ts', import.meta.url).pathname,
    });
    while (((await m`select count(*)::int n from tasks where status='completed'`)[0]?.n ?? 0) < tasks)
      await new Promise((r) => setTimeout(r, 100));
    await w.stop();
  }
  await m`select 'MARK-END'`;
  await s2.close();
  await new Promise((r) => setTimeout(r, 1500));
  const after = (
    await m`select xact_commit::int x, tup_inserted::int i, tup_updated::int u, tup_deleted::int d from pg_stat_database where datname=current_database()`
  )[0];
  console.log(JSON.stringify({ before, after }));
  console.log(
    JSON.stringify(
      await m`select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del from pg_stat_user_tables where n_tup_upd+n_tup_ins+n_tup_del > 0 order by 1`,
    ),
  );
  await m.end();
  await admin.end();
});
