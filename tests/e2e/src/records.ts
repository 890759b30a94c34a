import { existsSync, readFileSync } from 'node:fs';
import type { StepStart } from './e2e-workflows.ts';

/** The step starts the `recorded` workflow wrote to `file` (none yet when it does not exist). */
export function readStarts(file: string, taskId?: string): StepStart[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as StepStart)
    .filter((start) => !taskId || start.task_id === taskId);
}
