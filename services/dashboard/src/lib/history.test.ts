import type { TaskEvent } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { collapseHistory } from './history.ts';

const TASK = '3f0c9a52-5f55-4c43-9a43-2d5b3f7c1a10';
let seq = 0;
const at = () => new Date(Date.UTC(2026, 0, 1, 12, 0, seq)).toISOString();

function status(value: 'queued' | 'running' | 'completed'): TaskEvent {
  seq += 1;
  return { type: 'status', task_id: TASK, seq, at: at(), status: value, attempt: 1, error: null };
}

function progress(value: number, step: string): TaskEvent {
  seq += 1;
  return {
    type: 'progress',
    task_id: TASK,
    seq,
    at: at(),
    progress: value,
    step,
    message: null,
    eta_seconds: null,
  };
}

describe('collapseHistory', () => {
  it('keeps every status event and the last progress of each step, with the earlier ones folded under it', () => {
    const events = [
      status('queued'),
      status('running'),
      progress(10, 'load'),
      progress(20, 'load'),
      progress(30, 'load'),
      progress(60, 'transform'),
      progress(90, 'transform'),
      status('completed'),
    ];
    const rows = collapseHistory(events);
    expect(rows.map((row) => row.event)).toEqual([events[0], events[1], events[4], events[6], events[7]]);
    expect(rows[2]?.earlier).toEqual([events[2], events[3]]);
    expect(rows[3]?.earlier).toEqual([events[5]]);
    expect(rows[4]?.earlier).toEqual([]);
  });

  it('starts a new row when a step comes back after another event', () => {
    const events = [progress(10, 'load'), status('running'), progress(20, 'load')];
    expect(collapseHistory(events).map((row) => row.event)).toEqual(events);
  });
});
