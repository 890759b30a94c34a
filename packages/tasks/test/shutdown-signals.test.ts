import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROCESS = fileURLToPath(new URL('./fixtures/shutdown-process.ts', import.meta.url));

/** Starts the fixture, sends SIGTERM once it is ready, and resolves with its exit code and output. */
function terminate(
  mode: 'finish' | 'hang' | 'starting' | 'stuck',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROCESS, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n') && !child.killed) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('exitOnShutdownSignals', () => {
  it('runs the steps in order on SIGTERM and exits 0', async () => {
    const { code, stdout } = await terminate('finish');
    expect(stdout).toBe('ready\nstep first\nstep second\n');
    expect(code).toBe(0);
  });

  it('runs the steps of a process whose start finishes after the SIGTERM, once started, and exits 0', async () => {
    const { code, stdout, stderr } = await terminate('starting');
    expect(stdout).toBe('ready\nstep first\nstep second\n');
    expect(stderr).toContain('still starting: stopping once started');
    expect(code).toBe(0);
  });

  it('exits 1 when a process whose start never finishes is still starting at its starting deadline', async () => {
    const { code, stdout, stderr } = await terminate('stuck');
    expect(stdout).toBe('ready\n');
    expect(stderr).toContain('still starting at the deadline: exiting now');
    expect(code).toBe(1);
  });

  it('exits 1 when a step is still running at the deadline', async () => {
    const { code, stdout, stderr } = await terminate('hang');
    expect(stdout).toBe('ready\nstep first\nstep second\n');
    expect(code).toBe(1);
    expect(stderr).toContain('shutdown did not finish within its deadline');
  });
});
