import { expect, it } from 'vitest';
import { threadCapsOverridden } from '../src/worker/executors.ts';

it('tells when a process heap size flag overrides the memory cap of worker threads', () => {
  expect(threadCapsOverridden(['--max-semi-space-size=2'])).toBe(false);
  expect(threadCapsOverridden(['--max-old-space-size=512'])).toBe(true);
  expect(threadCapsOverridden(['--max_old_space_size=512'])).toBe(true);
  expect(threadCapsOverridden(['', '--max-heap-size=1024'])).toBe(true);
  expect(threadCapsOverridden(['--max-old-space-size-x'])).toBe(false);
});
