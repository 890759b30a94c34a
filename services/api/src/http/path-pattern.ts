/**
 * An OpenAPI path template (`/tasks/{task_id}`) as the RegExp a request path is matched with: a trailing
 * slash allowed, letters in any case; `named`: each `{param}` a named group.
 */
export function pathPattern(template: string, named: boolean): RegExp {
  const source = template
    .replace(/^\/|\/$/g, '')
    .replace(/\{([^}]+)\}/g, (_, key: string) => (named ? `(?<${key}>[^/]+)` : '[^/]+'));
  return new RegExp(`^/${source}/?$`, 'i');
}
