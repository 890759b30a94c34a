import { describe, expect, it } from 'vitest';
import { readTaskIdInput } from './task-id.ts';

describe('a task id typed or linked', () => {
  it('opens a full id, in any case and with spaces around it', () => {
    expect(readTaskIdInput(' 0B8F5A0E-4C2A-4A51-9D0C-6F0F2D0F9A11 ')).toEqual({
      kind: 'full',
      taskId: '0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11',
    });
  });

  it('recognises the short id the lists show, and any other start of an id', () => {
    expect(readTaskIdInput('0b8f5a0e')).toEqual({ kind: 'partial', prefix: '0b8f5a0e' });
    expect(readTaskIdInput('0B8F5A0E-4c2a')).toEqual({ kind: 'partial', prefix: '0b8f5a0e-4c2a' });
  });

  it('tells apart what is no task id at all', () => {
    expect(readTaskIdInput('pipeline')).toEqual({ kind: 'invalid' });
    expect(readTaskIdInput('0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11-extra')).toEqual({ kind: 'invalid' });
    // Dashes only where an id has them: the api could not look this up.
    expect(readTaskIdInput('0b8f5a0e4c2a')).toEqual({ kind: 'invalid' });
    expect(readTaskIdInput('   ')).toEqual({ kind: 'empty' });
  });
});
