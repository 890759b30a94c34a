import { migrate } from '@kaygraph/db';
import {
  createPostgresServices,
  dataProcessing,
  documentIndexing,
  modelTraining,
  searchDocuments,
} from '@kaygraph/workflows';
import postgres from 'postgres';
import { benchDatabaseUrl } from './env.ts';
import { type BenchRow, percentile, withScratchDatabase } from './scratch-database.ts';

async function newTask(sql: postgres.Sql, workflow: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into tasks (owner, workflow, status, max_retries, timeout_seconds) values ('bench', ${workflow}, 'running', 0, 3600)
    returning id`;
  if (!row) throw new Error('no task row');
  return row.id;
}

/** A vocabulary of made-up words with a Zipf-like frequency, so documents differ the way real ones do. */
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 've', 'zi', 'po', 'gra', 'dex'];
const VOCABULARY = Array.from({ length: 3000 }, (_, i) => {
  let word = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / SYLLABLES.length)) word += SYLLABLES[n % SYLLABLES.length];
  return word;
});

function markdownDocument(seed: number): string {
  let state = seed + 1;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const word = () => VOCABULARY[Math.floor(VOCABULARY.length * next() ** 3)] ?? 'x';
  const lines = [`# Document ${seed}`, ''];
  for (let paragraph = 0; paragraph < 8; paragraph++) {
    lines.push(`${Array.from({ length: 60 }, word).join(' ')}.`, '');
  }
  return lines.join('\n');
}

export async function runWorkflowsBench(
  options: { databaseUrl?: string; rows?: number } = {},
): Promise<BenchRow[]> {
  const serverUrl = options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const rows = options.rows ?? 1_000_000;
  return withScratchDatabase(serverUrl, 'wf', async (url) => {
    await migrate(url);
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    try {
      const bench: BenchRow[] = [];
      let peakRss = 0;
      const sample = () => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      };

      {
        await using services = createPostgresServices({
          databaseUrl: url,
          owner: 'bench',
          taskId: await newTask(sql, 'data_processing'),
          dataDir: null,
        });
        const started = performance.now();
        await dataProcessing
          .graph({ input: { generate: { rows, seed: 1 } } })
          .run({}, { params: { services }, onProgress: sample });
        const seconds = (performance.now() - started) / 1000;
        bench.push({
          name: `data_processing, ${rows} generated rows (rows/s)`,
          value: (rows / seconds).toFixed(0),
          goal: '',
        });
        bench.push({
          name: 'data_processing peak RSS of the process (MB)',
          value: (peakRss / 1e6).toFixed(0),
          goal: 'bounded',
        });
      }

      const documents = Array.from({ length: 500 }, (_, i) => ({
        name: `doc-${i}.md`,
        content: markdownDocument(i),
      }));
      {
        await using services = createPostgresServices({
          databaseUrl: url,
          owner: 'bench',
          taskId: await newTask(sql, 'document_indexing'),
          dataDir: null,
        });
        const started = performance.now();
        const shared: { result?: { chunks: number } } = {};
        await documentIndexing
          .graph({ documents, index: 'bench', chunk_size: 400, overlap: 40 })
          .run(shared, { params: { services } });
        const seconds = (performance.now() - started) / 1000;
        const chunks = shared.result?.chunks ?? 0;
        bench.push({
          name: `document_indexing, ${documents.length} documents, ${chunks} passages (passages/s)`,
          value: (chunks / seconds).toFixed(0),
          goal: '',
        });
        const latencies: number[] = [];
        for (let i = 0; i < 50; i++) {
          const t = performance.now();
          await searchDocuments(sql, 'bench', {
            index: 'bench',
            query: `${VOCABULARY[(i * 37) % 300]} ${VOCABULARY[(i * 11) % 1000]} ${VOCABULARY[i % 50]}`,
            k: 5,
          });
          latencies.push(performance.now() - t);
        }
        latencies.sort((a, b) => a - b);
        bench.push({
          name: `search over ${chunks} passages, p50 / p99 (ms)`,
          value: `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)}`,
          goal: '',
        });
      }

      {
        await using services = createPostgresServices({
          databaseUrl: url,
          owner: 'bench',
          taskId: await newTask(sql, 'model_training'),
          dataDir: null,
        });
        const epochs = 20;
        const started = performance.now();
        await modelTraining
          .graph({
            dataset: { generate: { rows: 10_000, classes: 3, features: 10 } },
            model: 'mlp',
            hidden: [32],
            epochs,
          })
          .run({}, { params: { services } });
        const seconds = (performance.now() - started) / 1000;
        bench.push({
          name: `model_training, MLP 10-32-3 on 10,000 rows (epochs/s)`,
          value: (epochs / seconds).toFixed(2),
          goal: '',
        });
      }
      return bench;
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
}

if (import.meta.main) {
  const flag = process.argv.indexOf('--database-url');
  const databaseUrl = flag >= 0 ? process.argv[flag + 1] : benchDatabaseUrl;
  const rowsFlag = process.argv.indexOf('--rows');
  const rows = rowsFlag >= 0 ? Number(process.argv[rowsFlag + 1]) : undefined;
  const results = await runWorkflowsBench({
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(rows ? { rows } : {}),
  });
  const lines = ['| Workflows benchmark | result | goal |', '|---|---:|---:|'];
  for (const row of results) lines.push(`| ${row.name} | ${row.value} | ${row.goal} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
