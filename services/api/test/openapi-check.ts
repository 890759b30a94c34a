import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from 'trpc-to-openapi';

/**
 * Checks real answers against the OpenAPI document: the status must be documented for the operation,
 * and a JSON body must satisfy the documented schema.
 */
export function createOpenApiChecker(document: OpenAPIObject) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const cache = new Map<string, ValidateFunction | null>();

  function validatorFor(method: string, path: string, status: number): ValidateFunction | null {
    const key = `${method} ${path} ${status}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const operation = document.paths?.[path]?.[method.toLowerCase() as 'get'];
    if (!operation) throw new Error(`${method} ${path} is not in the OpenAPI document`);
    const response = operation.responses?.[String(status)];
    if (!response) throw new Error(`${method} ${path} does not document status ${status}`);
    const schema = 'content' in response ? response.content?.['application/json']?.schema : undefined;
    const validator = schema ? ajv.compile({ ...schema, components: document.components }) : null;
    cache.set(key, validator);
    return validator;
  }

  /** Throws with ajv's errors when the answer does not match the document. */
  return function check(method: string, path: string, status: number, body: unknown): void {
    const validate = validatorFor(method, path, status);
    if (validate && !validate(body)) {
      throw new Error(
        `${method} ${path} ${status}: body does not match the document: ${ajv.errorsText(validate.errors)}\n` +
          JSON.stringify(body),
      );
    }
  };
}

/** Headers whose meaning the document declares per answer. */
const DECLARED_HEADERS = ['location', 'retry-after', 'allow', 'www-authenticate'];

/**
 * Checks an answer's headers against the document: each of DECLARED_HEADERS that it carries is declared
 * for its operation and status, and each header declared `required` is there. Throws with what differs.
 */
export function checkHeaders(
  document: OpenAPIObject,
  method: string,
  path: string,
  status: number,
  headers: Headers,
): void {
  const response = document.paths?.[path]?.[method.toLowerCase() as 'get']?.responses?.[String(status)];
  if (!response) throw new Error(`${method} ${path} does not document status ${status}`);
  const declared = new Map<string, boolean>();
  type Header = { $ref?: string; required?: boolean };
  const components = (document.components?.headers ?? {}) as Record<string, Header>;
  const headerObjects = (('headers' in response ? response.headers : undefined) ?? {}) as Record<
    string,
    Header
  >;
  for (const [name, header] of Object.entries(headerObjects)) {
    const resolved = header.$ref ? components[header.$ref.replace('#/components/headers/', '')] : header;
    declared.set(name.toLowerCase(), resolved?.required === true);
  }
  for (const name of DECLARED_HEADERS) {
    if (headers.has(name) && !declared.has(name))
      throw new Error(`${method} ${path} ${status}: sends ${name}, which the document does not declare`);
  }
  for (const [name, required] of declared) {
    if (required && !headers.has(name))
      throw new Error(`${method} ${path} ${status}: the document requires ${name}, which the answer lacks`);
  }
}

/**
 * Checks a request body against the operation's documented request schema, as a client generated from
 * the document would before sending it. Throws with ajv's errors when the document refuses the body.
 */
export function checkRequestBody(document: OpenAPIObject, method: string, path: string, body: unknown): void {
  const operation = document.paths?.[path]?.[method.toLowerCase() as 'post'];
  const requestBody = operation?.requestBody;
  const schema =
    requestBody && 'content' in requestBody ? requestBody.content['application/json']?.schema : undefined;
  if (!schema) throw new Error(`${method} ${path} documents no JSON request body`);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile({ ...schema, components: document.components });
  if (!validate(body)) {
    throw new Error(
      `${method} ${path}: the document refuses ${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`,
    );
  }
}

/**
 * Checks a value against a component schema of a served document (one with the registered workflows:
 * `WorkflowResult.<workflow>`, `WorkflowParams.<workflow>`). Throws when the component is missing or
 * refuses the value.
 */
export function createServedChecker(document: OpenAPIObject) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return function checkComponent(name: string, value: unknown): void {
    if (!document.components?.schemas?.[name]) throw new Error(`the document has no component ${name}`);
    const validate = ajv.compile({ $ref: `#/components/schemas/${name}`, components: document.components });
    if (!validate(value)) {
      throw new Error(`${name} refuses ${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
    }
  };
}
