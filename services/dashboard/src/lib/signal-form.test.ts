import { describe, expect, it } from 'vitest';
import { collectParams, initialValues } from './schema-form.ts';
import { signalFormOf } from './signal-form.ts';

// As z.toJSONSchema writes content_review's `approval` signal (io: 'input').
const approval = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    approved: { type: 'boolean' },
    note: { type: 'string', minLength: 1, maxLength: 2000 },
  },
  required: ['approved'],
  additionalProperties: false,
};

describe('signalFormOf', () => {
  it('makes a required boolean the decision of Approve / Reject and keeps the other fields', () => {
    const form = signalFormOf(approval);
    expect(form.decision).toBe('approved');
    expect(form.fields.map((field) => [field.path, field.kind])).toEqual([['note', 'text']]);
    expect(collectParams(form.fields, { note: 'ship it' }).params).toEqual({ note: 'ship it' });
    // an empty optional note is left out, so the payload is just the decision
    expect(collectParams(form.fields, initialValues(form.fields)).params).toEqual({});
  });

  it('has no decision when no required boolean is declared: a plain form', () => {
    const form = signalFormOf({
      type: 'object',
      properties: { reference: { type: 'string' }, urgent: { type: 'boolean' } },
      required: ['reference'],
    });
    expect(form.decision).toBeNull();
    expect(form.fields.map((field) => field.path)).toEqual(['reference', 'urgent']);
  });
});
