import { type ErrorBody, REST_PATHS } from '@kaygraph/contracts';

export interface DownloadedArtifact {
  contentType: string;
  bytes: Uint8Array;
}

/** An artifact download as it arrives: `body` streams the bytes from `offset` to the end. */
export interface ArtifactStream {
  contentType: string;
  /** Bytes in the whole artifact. */
  size: number;
  /** Where `body` starts: the offset asked for, or 0 when the artifact came whole (replaced since `ifRange`). */
  offset: number;
  /** The artifact's version: pass it as `ifRange` with an `offset` to resume a cut download. */
  etag: string | undefined;
  body: ReadableStream<Uint8Array>;
}

export interface ArtifactStreamOptions {
  /** Start at this byte (a `Range: bytes=offset-` request); 416 at or past the end. */
  offset?: number;
  /** The `etag` of an earlier download: the offset holds only while the artifact is that version. */
  ifRange?: string;
  signal?: AbortSignal;
}

/** An error answer of the artifact download, with the API's ErrorBody. */
export class ArtifactDownloadError extends Error {
  readonly status: number;
  readonly body: ErrorBody | undefined;

  constructor(status: number, body: ErrorBody | undefined) {
    super(body ? `${body.code}: ${body.message}` : `artifact download failed with HTTP ${status}`);
    this.name = 'ArtifactDownloadError';
    this.status = status;
    this.body = body;
  }
}

/** `GET /tasks/{task_id}/artifacts/{name}`: the bytes of an artifact a task stored, whole in memory. */
export async function downloadArtifact(
  baseUrl: string,
  apiKey: string | undefined,
  taskId: string,
  name: string,
): Promise<DownloadedArtifact> {
  const response = await requestArtifact(baseUrl, apiKey, taskId, name, {});
  return {
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

/**
 * `GET /tasks/{task_id}/artifacts/{name}` as a stream, for artifacts too large to hold, or to resume one.
 *
 * @example
 * const first = await streamArtifact(url, key, taskId, 'model.bin');
 * // ... the connection broke after `written` bytes:
 * const rest = await streamArtifact(url, key, taskId, 'model.bin', { offset: written, ifRange: first.etag });
 * // rest.offset === 0: the artifact was replaced meanwhile, and rest.body is the new one whole
 */
export async function streamArtifact(
  baseUrl: string,
  apiKey: string | undefined,
  taskId: string,
  name: string,
  options: ArtifactStreamOptions = {},
): Promise<ArtifactStream> {
  const response = await requestArtifact(baseUrl, apiKey, taskId, name, options);
  const length = Number(response.headers.get('content-length') ?? 0);
  // 206: `bytes first-last/size`; 200: the whole artifact.
  const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  const partial = response.status === 206 && range !== null;
  return {
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    size: partial ? Number(range[2]) : length,
    offset: partial ? Number(range[1]) : 0,
    etag: response.headers.get('etag') ?? undefined,
    body: response.body ?? new ReadableStream({ start: (controller) => controller.close() }),
  };
}

async function requestArtifact(
  baseUrl: string,
  apiKey: string | undefined,
  taskId: string,
  name: string,
  options: ArtifactStreamOptions,
): Promise<Response> {
  const path = REST_PATHS.taskArtifact
    .replace('{task_id}', encodeURIComponent(taskId))
    .replace('{name}', encodeURIComponent(name));
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  if (options.offset) {
    headers.range = `bytes=${options.offset}-`;
    if (options.ifRange) headers['if-range'] = options.ifRange;
  }
  const response = await fetch(new URL(path, baseUrl), { headers, signal: options.signal });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
    throw new ArtifactDownloadError(response.status, body);
  }
  return response;
}
