/**
 * The only place the CLI reads the environment. Flags win over these.
 * - KAYGRAPH_URL: the api's base URL (default http://127.0.0.1:8000)
 * - KAYGRAPH_API_KEY: sent as `Authorization: Bearer` (and as the WebSocket connection param)
 * - NO_COLOR: plain output
 */
export interface CliEnv {
  url: string | undefined;
  apiKey: string | undefined;
  noColor: boolean;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function readCliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    url: nonEmpty(source.KAYGRAPH_URL),
    apiKey: nonEmpty(source.KAYGRAPH_API_KEY),
    noColor: source.NO_COLOR !== undefined && source.NO_COLOR !== '',
  };
}
