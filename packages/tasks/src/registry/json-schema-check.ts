import { REQUIRED, UNEXPECTED_PROPERTY } from '@kaygraph/contracts';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** A field that failed validation: `path` names it from the request's root (`params.rows`). */
export interface Issue {
  path: string;
  message: string;
}

export type JsonSchemaCheck = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

/**
 * A `pattern` runs with the `u` flag (`\p{...}` classes, as zod's own patterns need), or without it when
 * it is not valid under `u` (a user's `.regex()` written for plain JavaScript, e.g. with `\'`).
 */
const patternRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return new RegExp(pattern, flags);
    } catch {
      return new RegExp(pattern, flags.replace('u', ''));
    }
  },
  { code: 'patternRegExp' },
);

/**
 * Compiles JSON Schemas (draft 2020-12, what `z.toJSONSchema` emits) into checks, with ajv. Defaults in
 * the schema are filled in (on a copy: the caller's value is never changed). One per workflow registry;
 * each schema's root is removed from ajv once compiled, so ajv does not keep every schema the registry saw
 * (the registry keeps the checks it still uses).
 */
export class JsonSchemaCompiler {
  readonly #ajv: Ajv2020;

  constructor() {
    this.#ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      useDefaults: true,
      logger: false,
      code: { regExp: patternRegExp },
    });
    addFormats.default(this.#ajv);
  }

  /** Compiles a schema once; the result checks any number of values. */
  compile(schema: Record<string, unknown>): (value: unknown, at: string) => JsonSchemaCheck {
    let validate: ValidateFunction;
    try {
      validate = this.#ajv.compile(schema);
    } finally {
      // Also after a failed compile: a schema with an `$id` left behind would refuse its corrected version.
      this.#ajv.removeSchema(schema);
    }
    return (value, at) => {
      const copy = value === undefined ? undefined : structuredClone(value);
      if (validate(copy)) return { ok: true, value: copy };
      const errors = narrowAlternatives(withoutFormatPatterns(validate.errors ?? []));
      return { ok: false, issues: errors.map((e) => issueOf(e, at)) };
    };
  }
}

/** zod writes a format's regex beside the format (`z.email()`): the format alone says what is wrong. */
function withoutFormatPatterns(errors: readonly ErrorObject[]): ErrorObject[] {
  const formatted = new Set(errors.filter((e) => e.keyword === 'format').map((e) => e.instancePath));
  return errors.filter((e) => !(e.keyword === 'pattern' && formatted.has(e.instancePath)));
}

/**
 * ajv reports a failed `anyOf`/`oneOf` with every alternative's errors. An alternative whose only error is
 * that the value is not of its type is not the one the caller meant: when exactly one alternative is left,
 * its errors alone say what is wrong; when none is, one error names the types the value may have. Inner
 * unions first, so an outer one sees what is left of them.
 */
function narrowAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  let left = [...errors];
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const byAlternative = Map.groupBy(
      left.filter((e) => e.schemaPath.startsWith(prefix)),
      (e) => e.schemaPath.slice(prefix.length).split('/')[0] ?? '',
    );
    // A oneOf that more than one alternative passes has no alternative's errors: its own message says it.
    if (byAlternative.size === 0) continue;
    const typeOnly = (group: readonly ErrorObject[]) =>
      group.every((e) => e.keyword === 'type' && e.instancePath === union.instancePath);
    const meant = [...byAlternative.values()].filter((group) => !typeOnly(group));
    if (meant.length > 1) continue;
    const kept = new Set(meant[0] ?? []);
    const dropped = (e: ErrorObject) => e === union || (e.schemaPath.startsWith(prefix) && !kept.has(e));
    const types = [...byAlternative.values()].flatMap((group) => group.map((e) => String(e.params.type)));
    const summary: ErrorObject[] =
      meant.length === 0
        ? [{ ...union, keyword: 'type', message: `must be ${inWords([...new Set(types)])}` }]
        : [];
    const at = left.indexOf(union);
    left = [
      ...left.slice(0, at).filter((e) => !dropped(e)),
      ...summary,
      ...left.slice(at).filter((e) => !dropped(e)),
    ];
  }
  return left;
}

/** `array, string or object` */
function inWords(words: readonly string[]): string {
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** `/rows/0` under `params` -> `params.rows.0`; a missing or unexpected property names that property. */
function issueOf(error: ErrorObject, at: string): Issue {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { path: join(at, [...segments, params.missingProperty]), message: REQUIRED };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { path: join(at, [...segments, params.additionalProperty]), message: UNEXPECTED_PROPERTY };
  }
  return { path: join(at, segments), message: error.message ?? `fails "${error.keyword}"` };
}

function join(at: string, segments: readonly string[]): string {
  return [at, ...segments].filter(Boolean).join('.');
}
