import type { AnyRouter } from '@trpc/server';
import type { z } from 'zod';

/**
 * trpc-to-openapi coerces query strings by switching `coerce` on, in place, inside the input schema
 * of the procedure it serves, for body requests too. Those are our shared contract schemas: after the
 * first `POST /tasks`, `max_retries: "3"` or `timeout_seconds: true` would pass for every caller,
 * tRPC included. JSON bodies carry their own types, so for body methods the adapter gets copies of
 * the input schemas to flip instead; calls still run the real procedures and their real parsers.
 */

interface ProcedureLike {
  _def: { inputs: unknown[]; meta?: { openapi?: { method?: string } } } & Record<string, unknown>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value && 'clone' in value;
}

/** A copy whose defs (down through objects, arrays and wrappers) are new objects. */
function isolate(schema: z.ZodType, depth = 0): z.ZodType {
  if (depth > 32) return schema;
  const original = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const def: Record<string, unknown> = Object.defineProperties(
    {},
    Object.getOwnPropertyDescriptors(original),
  );
  const copyOf = (value: unknown) => (isZodSchema(value) ? isolate(value, depth + 1) : value);
  if (original.type === 'object') {
    const shape = original.shape as Record<string, unknown>;
    const copied = Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, copyOf(value)]));
    Object.defineProperty(def, 'shape', {
      value: copied,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  } else if (WRAPPERS.has(original.type)) {
    def.innerType = copyOf(original.innerType);
  } else if (original.type === 'array') {
    def.element = copyOf(original.element);
  }
  return schema.clone(def as never);
}

/** The router as the REST adapter should see it: body procedures with private copies of their inputs. */
export function restRouterView<TRouter extends AnyRouter>(router: TRouter): TRouter {
  const procedures = router._def.procedures as Record<string, ProcedureLike>;
  const views: Record<string, unknown> = {};
  for (const [path, procedure] of Object.entries(procedures)) {
    const method = procedure._def.meta?.openapi?.method;
    views[path] =
      method && BODY_METHODS.has(method)
        ? {
            ...procedure,
            _def: {
              ...procedure._def,
              inputs: procedure._def.inputs.map((input) => (isZodSchema(input) ? isolate(input) : input)),
            },
          }
        : procedure;
  }
  return { ...router, _def: { ...router._def, procedures: views } };
}
