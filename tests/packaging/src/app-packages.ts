/** What the README's app installs from the tarballs: the client and the worker SDK with their siblings. */
export const APP_PACKAGES = [
  '@kaygraph/contracts',
  '@kaygraph/graph',
  '@kaygraph/client',
  '@kaygraph/worker',
];
