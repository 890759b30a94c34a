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

const UNREADABLE_RANGE =
  'the api answered part of the artifact (206) without a Content-Range this client can read: in a browser, ' +
  "the page's origin must be in the api's CORS_ORIGINS, on an api that exposes Content-Range and ETag; " +
  'otherwise a proxy in between removed the header';

/** An error answer of the artifact download, with the API's ErrorBody (none for an answer it cannot use). */
export class ArtifactDownloadError extends Error {
  readonly status: number;
  readonly body: ErrorBody | undefined;

  constructor(status: number, body: ErrorBody | undefined, message?: string) {
    super(
      message ?? (body ? `${body.code}: ${body.message}` : `artifact download failed with HTTP ${status}`),
    );
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
  const partial =
    response.status === 206
      ? /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '')
      : null;
  if (response.status === 206 && partial === null) {
    // Bytes from an offset this client cannot read: taken for the whole file, they would corrupt it.
    await response.body?.cancel();
    throw new ArtifactDownloadError(206, undefined, UNREADABLE_RANGE);
  }
  return {
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    size: partial ? Number(partial[2]) : length,
    offset: partial ? Number(partial[1]) : 0,
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
