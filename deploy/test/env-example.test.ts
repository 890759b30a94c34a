import { describe, expect, it } from 'vitest';
import { commentedDotenvNames, parseDotenv } from '../src/dotenv.ts';
import { envNamesReadAnywhere } from '../src/env-names.ts';
import { readRepoFile } from '../src/repo-files.ts';

const text = readRepoFile('.env.example');
const entries = parseDotenv(text);
const setNames = entries.map((entry) => entry.name);

describe('.env.example', () => {
  it('sets each variable once', () => {
    expect(setNames.length).toBeGreaterThan(0);
    expect(new Set(setNames).size).toBe(setNames.length);
  });

  it('sets only variables that the api, the worker or the migration read', () => {
    const read = envNamesReadAnywhere();
    const unread = [...setNames, ...commentedDotenvNames(text)].filter((name) => !read.has(name));
    expect(
      unread,
      'names in .env.example that no env module reads (a typo, or a setting that is gone)',
    ).toEqual([]);
  });

  it('documents every variable the services read, set or commented out', () => {
    const documented = new Set([...setNames, ...commentedDotenvNames(text)]);
    const missing = [...envNamesReadAnywhere()].filter((name) => !documented.has(name)).sort();
    expect(
      missing,
      'add these to .env.example (and to k8s/config.yaml) with a line that says what they do',
    ).toEqual([]);
  });

  it('points the containers at the compose database and binds the api to all interfaces', () => {
    const values = new Map(entries.map((entry) => [entry.name, entry.value]));
    const databaseUrl = new URL(values.get('DATABASE_URL') ?? 'missing:');
    expect(databaseUrl.protocol).toBe('postgres:');
    expect(databaseUrl.hostname).toBe('postgres');
    expect(values.get('HOST')).toBe('0.0.0.0');
    expect(values.get('PORT')).toBe('8000');
    expect(Number(values.get('SHUTDOWN_GRACE_SECONDS'))).toBeGreaterThan(0);
  });
});

describe('parseDotenv', () => {
  it('reads NAME=value lines, skips comments, strips quotes and rejects anything else', () => {
    expect(parseDotenv('# c\n\nA=1\nB="two words"\nC=\n')).toEqual([
      { name: 'A', value: '1', line: 3 },
      { name: 'B', value: 'two words', line: 4 },
      { name: 'C', value: '', line: 5 },
    ]);
    expect(() => parseDotenv('export A=1')).toThrow(/line 1/);
  });
});
