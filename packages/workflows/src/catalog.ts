/**
 * `@kaygraph/workflows/catalog`: the catalog of built-in workflows, importable by module path
 * (worker threads load it by name). A service with its own workflows exports
 * `catalog.with(...mine)` from a module of its own and points the worker at that.
 */
import { builtins } from './builtins.ts';
import { createCatalog } from './catalog-core.ts';

export const catalog = createCatalog(Object.values(builtins));
