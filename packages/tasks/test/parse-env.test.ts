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

describe('misspelt settings', () => {
  const Settings = z.object({
    PORT: z.coerce.number().default(8000),
    HOST: z.string().default('127.0.0.1'),
    MAX_WORKERS: z.coerce.number().default(4),
    DATABASE_URL: z.string().optional(),
  });

  it('are refused by name, with the setting they resemble', () => {
    expect(() => parseEnv(Settings, { MAX_WORKER: '8', database_url: 'postgres://db/x' })).toThrow(
      'invalid environment:\n' +
        '  MAX_WORKER: not a setting of this service; did you mean MAX_WORKERS? (rename or unset it)\n' +
        '  database_url: not a setting of this service; did you mean DATABASE_URL? (rename or unset it)',
    );
  });

  it('leave the variables every environment has alone, and empty ones too', () => {
    const everyday = { HOME: '/root', PATH: '/bin', PWD: '/', HOSTNAME: 'vm', SHELL: 'sh', MAX_WORKER: '' };
    expect(parseEnv(Settings, everyday)).toEqual({ PORT: 8000, HOST: '127.0.0.1', MAX_WORKERS: 4 });
  });
});
