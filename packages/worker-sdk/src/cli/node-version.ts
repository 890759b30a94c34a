/** The oldest Node the worker runs on (pg-boss 12's own minimum), as package.json's `engines` says. */
export const MINIMUM_NODE = '22.12';

/** Why `version` (`process.versions.node`) cannot run the worker, or undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [needMajor = 0, needMinor = 0] = MINIMUM_NODE.split('.').map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `the worker needs Node ${MINIMUM_NODE} or newer; this is Node ${version}`;
}
