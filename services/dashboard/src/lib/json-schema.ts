/** Reading JSON Schema as `z.toJSONSchema` writes it: refs, nullable unions, types, examples. */

export type JsonSchema = Record<string, unknown>;

/** A value of the schema's shape, as a placeholder for JSON inputs: required keys, first variants. */
export function exampleOf(root: JsonSchema, raw: JsonSchema, depth: number): unknown {
  const schema = resolve(root, raw);
  if (schema.default !== undefined) return schema.default;
  if (depth > 4) return null;
  const options = enumOptions(schema);
  if (options) return options[0];
  const variants = variantsOf(schema);
  const first = variants[0];
  if (first) return exampleOf(root, first, depth + 1);
  switch (singleType(schema)) {
    case 'string':
      return schema.format === 'date-time' ? new Date(0).toISOString() : '';
    case 'integer':
    case 'number':
      return numberOrNull(schema.minimum) ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return [exampleOf(root, asRecord(schema.items) ?? {}, depth + 1)];
    case 'object': {
      const properties = asRecord(schema.properties) ?? {};
      const required = Array.isArray(schema.required) ? schema.required.filter(isString) : [];
      const keys = required.length > 0 ? required : Object.keys(properties);
      return Object.fromEntries(
        keys.map((key) => [key, exampleOf(root, asRecord(properties[key]) ?? {}, depth + 1)]),
      );
    }
    default:
      return null;
  }
}

/** For a union, each variant by its shape: `[ … ]`, `{ file, format? }`, `{ generate }`. */
export function shapesOf(root: JsonSchema, raw: JsonSchema): string[] {
  return variantsOf(resolve(root, raw)).flatMap((variant) => {
    const schema = resolve(root, variant);
    if (singleType(schema) === 'array') return ['[ … ]'];
    if (singleType(schema) === 'string') return ['"…"'];
    const properties = asRecord(schema.properties);
    if (!properties) return [];
    const required = new Set(Array.isArray(schema.required) ? schema.required.filter(isString) : []);
    const keys = Object.keys(properties).map((key) => (required.has(key) ? key : `${key}?`));
    return [`{ ${keys.join(', ')} }`];
  });
}

export function variantsOf(schema: JsonSchema): JsonSchema[] {
  const list = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : [];
  return list.map(asRecord).filter((v): v is JsonSchema => v !== null && v.type !== 'null');
}

/** Follows local `$ref`s and unwraps `anyOf: [X, null]` (zod's nullable) to X. */
export function resolve(root: JsonSchema, schema: JsonSchema, seen = 0): JsonSchema {
  if (seen > 10) return schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of schema.$ref.slice(2).split('/')) target = asRecord(target)?.[part];
    const resolved = asRecord(target);
    return resolved ? resolve(root, { ...resolved, ...withoutRef(schema) }, seen + 1) : schema;
  }
  const variants = Array.isArray(schema.anyOf) ? schema.anyOf.map(asRecord) : null;
  if (variants) {
    const nonNull = variants.filter((v): v is JsonSchema => v !== null && v.type !== 'null');
    const only = nonNull[0];
    if (nonNull.length === 1 && only) {
      const { anyOf, ...rest } = schema;
      return resolve(root, { ...rest, ...only }, seen + 1);
    }
  }
  return schema;
}

export function withoutRef(schema: JsonSchema): JsonSchema {
  const { $ref, ...rest } = schema;
  return rest;
}

export function singleType(schema: JsonSchema): string | null {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    return types.length === 1 && isString(types[0]) ? types[0] : null;
  }
  if (schema.properties) return 'object';
  return null;
}

export function enumOptions(schema: JsonSchema): string[] | null {
  if (Array.isArray(schema.enum) && schema.enum.every(isString)) return schema.enum;
  if (typeof schema.const === 'string') return [schema.const];
  return null;
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

export function asRecord(value: unknown): JsonSchema | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : null;
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}
