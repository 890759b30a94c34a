import type { TaskEvent, TaskState, TaskStatus, WaitEvent } from '@kaygraph/contracts';
import { foldTaskEvent, INITIAL_TASK_STATE, isTerminalStatus } from '@kaygraph/contracts';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { describeTaskError, formatSeconds, printJson, printJsonLine, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { resolveTaskId } from '../task-ref.ts';
import { describeWaitEvent } from '../wait-text.ts';
import { action } from './action.ts';

interface Display {
  status(event: Extract<TaskEvent, { type: 'status' }>): void;
  progress(event: Extract<TaskEvent, { type: 'progress' }>): void;
  log(event: Extract<TaskEvent, { type: 'log' }>): void;
  /** The task began to wait, a signal came, a child finished. */
  wait(event: WaitEvent): void;
  stop(): void;
}

function etaText(seconds: number | null): string {
  return seconds === null ? '' : `ETA ${formatSeconds(seconds)}`;
}

/** What the bar shows of a report: its step, then its message. */
function stepText(step: string | null, message: string | null): string {
  return message ? `${step ?? ''} ${message}`.trim() : (step ?? '');
}

/** A live bar (cli-progress) on a terminal: percent, the api's status word, step and ETA. */
function barDisplay(session: CliSession, initialStatus: TaskStatus): Display {
  const bar = new cliProgress.SingleBar(
    {
      stream: session.io.stderr,
      format: ' {bar} {percentage}% | {status} | {step} {eta_text}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  let state: TaskState = { ...INITIAL_TASK_STATE, status: initialStatus };
  // What a waiting task waits for stands in for the step until its status or progress moves again.
  let waitText: string | null = null;
  const draw = () =>
    bar.update(Math.round(state.progress * 10) / 10, {
      status: state.status,
      step: waitText ?? stepText(state.step, state.message),
      // A finished task's ETA (0 or none) says nothing the status does not.
      eta_text: isTerminalStatus(state.status) ? '' : etaText(state.eta_seconds),
    });
  const follow = (event: TaskEvent) => {
    state = foldTaskEvent(state, event);
    waitText = null;
    draw();
  };
  bar.start(100, 0, { status: state.status, step: '', eta_text: '' });
  return {
    status: follow,
    progress: follow,
    log() {},
    wait(event) {
      waitText = describeWaitEvent(event);
      draw();
    },
    stop: () => bar.stop(),
  };
}

/** One line per change, for pipes and CI logs where a redrawn bar would be noise. */
function lineDisplay(session: CliSession): Display {
  let last = '';
  return {
    status(event) {
      const attempt = event.attempt > 0 ? ` (attempt ${event.attempt})` : '';
      const progress = event.progress === undefined ? '' : `  ${Math.round(event.progress)}%`;
      writeLine(session.io.stderr, `status ${event.status}${attempt}${progress}`);
    },
    progress(event) {
      const line = [
        `${Math.round(event.progress)}%`,
        event.step ?? '',
        event.message ?? '',
        etaText(event.eta_seconds),
      ]
        .filter(Boolean)
        .join('  ');
      if (line !== last) writeLine(session.io.stderr, line);
      last = line;
    },
    log(event) {
      writeLine(session.io.stderr, `log ${event.level}: ${event.message}`);
    },
    wait(event) {
      writeLine(session.io.stderr, describeWaitEvent(event));
    },
    stop() {},
  };
}

function jsonDisplay(session: CliSession): Display {
  return {
    status: (event) => printJsonLine(session.io, event),
    progress: (event) => printJsonLine(session.io, event),
    log: (event) => printJsonLine(session.io, event),
    wait: (event) => printJsonLine(session.io, event),
    stop() {},
  };
}

/**
 * Follows a task until it ends (live, over the api's WebSocket; reconnects resume from the last
 * event), then prints its result. Exit code 0 when it completed, 1 when it failed or was cancelled.
 * Ctrl-C stops watching, not the task.
 */
export async function followTask(session: CliSession, taskId: string): Promise<number> {
  // Fails fast on an unknown task, before the stream; the bar starts from the task's status.
  const current = await session.api(
    (client) => client.tasks.progress.query({ task_id: taskId }),
    'tasks.progress',
  );
  const display = session.json
    ? jsonDisplay(session)
    : session.io.stderr.isTTY
      ? barDisplay(session, current.status)
      : lineDisplay(session);
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once('SIGINT', interrupt);
  try {
    await session.api(async (client) => {
      const onConnection = ({ state, error }: { state: 'lost' | 'restored'; error: unknown }) => {
        const why = error instanceof Error && error.message ? ` (${error.message})` : '';
        writeLine(
          session.io.stderr,
          state === 'lost'
            ? `lost the connection to ${session.url}${why}; reconnecting...`
            : `reconnected to ${session.url}; resuming after the last event`,
        );
      };
      for await (const event of client.watch(taskId, { signal: abort.signal, onConnection })) {
        if (event.type === 'status') display.status(event);
        else if (event.type === 'progress') display.progress(event);
        else if (event.type === 'log') display.log(event);
        else display.wait(event);
      }
    }, 'tasks.events');
  } finally {
    display.stop();
    process.off('SIGINT', interrupt);
  }
  if (abort.signal.aborted) {
    writeLine(session.io.stderr, `stopped watching; ${taskId} goes on (kaygraph cancel ${taskId} stops it)`);
    return 130;
  }
  const outcome = await session.api(
    (client) => client.tasks.result.query({ task_id: taskId }),
    'tasks.result',
  );
  if (session.json) {
    printJsonLine(session.io, outcome);
  } else if (outcome.status === 'completed') {
    const task = await session.api((client) => client.tasks.get.query({ task_id: taskId }), 'tasks.get');
    const took =
      task.started_at && task.completed_at
        ? (Date.parse(task.completed_at) - Date.parse(task.started_at)) / 1000
        : null;
    writeLine(session.io.stderr, `completed${took === null ? '' : ` in ${formatSeconds(took)}`}`);
    printJson(session.io, outcome.result ?? null);
  } else {
    const error = outcome.error ? `: ${describeTaskError(outcome.error)}` : '';
    writeLine(session.io.stderr, `${outcome.status}${error}`);
  }
  return outcome.status === 'completed' ? 0 : 1;
}

export function registerWatchCommand(program: Command, session: CliSession): void {
  program
    .command('watch <task_id>')
    .description(
      'follow a task live: progress bar with step and ETA (and what it waits for), then its result',
    )
    .action(action(session, async (s, _options, named = '') => followTask(s, await resolveTaskId(s, named))));
}
