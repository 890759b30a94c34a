import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv } from '../src/process/parse-env.ts';

const Env = z.object({
  PORT: z.coerce.number().int().default(8000),
  DATABASE_URL: z.url(),
});

describe('parseEnv', () => {
  it('applies defaults and treats empty variables as unset', () => {
    expect(parseEnv(Env, { PORT: '', DATABASE_URL: 'postgres://db/x' })).toEqual({
      PORT: 8000,
      DATABASE_URL: 'postgres://db/x',
    });
  });

  it('names every bad variable in one error', () => {
    expect(() => parseEnv(Env, { PORT: 'eighty' })).toThrow(/PORT: .*\n.*DATABASE_URL: /s);
  });
});
