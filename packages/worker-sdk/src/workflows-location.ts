import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The URL worker threads import the workflows module from: a URL (string or object) or an absolute
 * path. A relative path or a bare name is refused: relative to what would be a guess.
 */
export function workflowsModuleUrl(workflows: string | URL): string {
  if (workflows instanceof URL) return workflows.href;
  // From JavaScript, the module or its catalog itself: threads cannot be handed an object.
  if (typeof workflows !== 'string') {
    throw new TypeError(
      `workflows is where your module is, not the module: import.meta.resolve('./workflows.ts'), a file: URL or an absolute path (got ${workflows === null ? 'null' : typeof workflows})`,
    );
  }
  if (isAbsolute(workflows)) return pathToFileURL(workflows).href;
  if (URL_SCHEME.test(workflows)) return workflows;
  throw new TypeError(
    `workflows is where your module is: import.meta.resolve('${workflows}'), a file: URL or an absolute path (got "${workflows}")`,
  );
}
