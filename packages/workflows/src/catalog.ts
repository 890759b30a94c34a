/**
 * `@kaygraph/workflows/catalog`: the catalog of built-in workflows and `createServices`, importable
 * by module path (worker threads load it by name). A service with its own workflows exports
 * `catalog.with(...mine)` and `createServices` from a module of its own and points the worker at it.
 */

import { builtins } from './builtins.ts';
import { createCatalog } from './catalog-core.ts';

export const catalog = createCatalog(Object.values(builtins));

/** The task runtime creates per-thread services through this (see `createServices`). */
export { createServices } from './services/create-services.ts';
