import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonSchemaCompiler } from '../src/registry/json-schema-check.ts';

const schemas = new JsonSchemaCompiler();
const compileJsonSchema = (schema: Record<string, unknown>) => schemas.compile(schema);

const schemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;

describe('params checked against a registered JSON Schema', () => {
  it('applies defaults on a copy and names each failing field from the root', () => {
    const check = compileJsonSchema(
      schemaOf(
        z.object({
          rows: z.number().int().min(1).default(10),
          tags: z.array(z.string().min(2)).default([]),
          nested: z.object({ k: z.string() }).optional(),
        }),
      ),
    );
    const input = {};
    expect(check(input, 'params')).toEqual({ ok: true, value: { rows: 10, tags: [] } });
    expect(input).toEqual({});
    const failed = check({ rows: 0, tags: ['ok', 'x'], nested: {} }, 'tasks.2.params');
    expect(failed.ok).toBe(false);
    expect(failed.ok ? [] : failed.issues.map((issue) => issue.path).sort()).toEqual([
      'tasks.2.params.nested.k',
      'tasks.2.params.rows',
      'tasks.2.params.tags.1',
    ]);
  });

  it("says a format's failure once, not also as the regex zod writes beside it", () => {
    const check = compileJsonSchema(schemaOf(z.object({ email: z.email(), at: z.iso.datetime() })));
    expect(check({ email: 'nope', at: 'later' }, 'params')).toEqual({
      ok: false,
      issues: [
        { path: 'params.email', message: 'must match format "email"' },
        { path: 'params.at', message: 'must match format "date-time"' },
      ],
    });
  });

  it('runs zod formats and patterns, unicode classes included, and plain JavaScript patterns', () => {
    const check = compileJsonSchema(
      schemaOf(
        z.object({
          id: z.uuid(),
          mood: z.emoji(),
          word: z.string().regex(/^\p{L}+$/u),
          // `\'` is valid only without the `u` flag (built from a string: a literal would be simplified).
          quote: z.string().regex(new RegExp(['^', "\\'", '[a-z]+', "\\'", '$'].join(''))),
        }),
      ),
    );
    const good = { id: '6f1f4c38-8a6f-4a1b-9c1e-2b7d3f4e5a60', mood: '🙂', word: 'Grüße', quote: "'hi'" };
    expect(check(good, 'params')).toMatchObject({ ok: true });
    const bad = check({ id: 'nope', mood: 'x', word: 'a1', quote: 'hi' }, 'params');
    expect(bad.ok ? [] : [...new Set(bad.issues.map((issue) => issue.path))].sort()).toEqual([
      'params.id',
      'params.mood',
      'params.quote',
      'params.word',
    ]);
  });

  it('says a oneOf that several alternatives pass as such (no empty "must be")', () => {
    const check = compileJsonSchema({
      type: 'object',
      properties: { x: { oneOf: [{ type: 'number' }, { type: 'integer' }] } },
    });
    expect(check({ x: 1.5 }, 'params')).toMatchObject({ ok: true });
    expect(check({ x: 3 }, 'params')).toEqual({
      ok: false,
      issues: [{ path: 'params.x', message: 'must match exactly one schema in oneOf' }],
    });
  });
});
