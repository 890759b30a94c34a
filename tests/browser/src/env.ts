/** The launcher's environment, read here only: what the browser process starts from. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
