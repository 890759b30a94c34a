import { describe, expect, it } from 'vitest';
import { collectParams, fieldsOf, initialValues } from './schema-form.ts';

// Shaped like z.toJSONSchema output for a workflow's params.
const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    documents: { type: 'array', items: { type: 'string' }, description: 'Texts to index' },
    chunk_size: { type: 'integer', minimum: 50, maximum: 5000, default: 500 },
    ratio: { type: 'number' },
    mode: { type: 'string', enum: ['fast', 'thorough'] },
    dry_run: { type: 'boolean', default: false },
    label: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    generate: {
      type: 'object',
      properties: { rows: { type: 'integer' }, seed: { type: 'integer', default: 1 } },
      required: ['rows'],
      additionalProperties: false,
    },
    source: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'string' }] },
  },
  required: ['documents', 'chunk_size', 'mode'],
  additionalProperties: false,
};

describe('fieldsOf', () => {
  it('derives one input per param, with kinds, defaults and required markers', () => {
    const fields = fieldsOf(schema);
    const kinds = Object.fromEntries(fields.map((field) => [field.path, field.kind]));
    expect(kinds).toEqual({
      documents: 'list',
      chunk_size: 'number',
      ratio: 'number',
      mode: 'choice',
      dry_run: 'boolean',
      label: 'text',
      generate: 'group',
      source: 'json',
    });
    const chunk = fields.find((field) => field.path === 'chunk_size');
    // A default makes the param optional in the form: the server fills it in.
    expect(chunk).toMatchObject({ required: false, defaultValue: '500', min: 50, max: 5000, integer: true });
    expect(fields.find((field) => field.path === 'documents')).toMatchObject({
      required: true,
      description: 'Texts to index',
      label: 'Documents',
    });
  });

  it('follows local $refs', () => {
    const fields = fieldsOf({
      type: 'object',
      properties: { level: { $ref: '#/$defs/Level' } },
      $defs: { Level: { type: 'string', enum: ['low', 'high'] } },
    });
    expect(fields[0]).toMatchObject({ kind: 'choice', options: ['low', 'high'] });
  });
});

describe('JSON inputs', () => {
  it('offer an example value and name the shapes a union accepts', () => {
    const source = fieldsOf(schema).find((field) => field.path === 'source');
    expect(source).toMatchObject({ kind: 'json', shapes: ['{ a? }', '"…"'] });
    expect(source?.kind === 'json' ? JSON.parse(source.example) : null).toEqual({ a: '' });
  });
});

describe('collectParams', () => {
  const fields = fieldsOf(schema);

  it('turns inputs into typed params and leaves empty optional ones out', () => {
    const values = {
      ...initialValues(fields),
      documents: 'first text\nsecond text',
      mode: 'fast',
      'generate.rows': '1000',
      source: '{"a": "x"}',
    };
    expect(collectParams(fields, values)).toEqual({
      params: {
        documents: ['first text', 'second text'],
        chunk_size: 500,
        mode: 'fast',
        dry_run: false,
        generate: { rows: 1000, seed: 1 },
        source: { a: 'x' },
      },
      errors: {},
    });
  });

  it('leaves out an optional group left blank, with its required fields', () => {
    const withOptionalGroup = fieldsOf({
      type: 'object',
      properties: {
        name: { type: 'string' },
        schema: {
          type: 'object',
          properties: {
            fields: { type: 'array', items: { type: 'string' } },
            strict: { type: 'boolean', default: false },
          },
          required: ['fields'],
        },
      },
    });
    const blank = initialValues(withOptionalGroup);
    expect(collectParams(withOptionalGroup, blank)).toEqual({ params: {}, errors: {} });
    expect(collectParams(withOptionalGroup, { ...blank, 'schema.strict': true })).toEqual({
      params: { schema: { strict: true } },
      errors: { 'schema.fields': 'Fields is required' },
    });
  });

  it('names each input that cannot become its type', () => {
    const values = { ...initialValues(fields), chunk_size: '12.5', ratio: 'abc', source: '{oops', mode: '' };
    const { errors } = collectParams(fields, values);
    expect(errors).toEqual({
      documents: 'Documents is required',
      chunk_size: 'Chunk size must be a whole number',
      ratio: 'Ratio must be a number',
      mode: 'Mode is required',
      source: 'Source must be valid JSON',
    });
  });
});
