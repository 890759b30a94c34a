import { type ErrorBody, REST_PATHS } from '@kaygraph/contracts';

export interface DownloadedArtifact {
  contentType: string;
  bytes: Uint8Array;
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

/** `GET /tasks/{task_id}/artifacts/{name}`: the bytes of an artifact a task stored. */
export async function downloadArtifact(
  baseUrl: string,
  apiKey: string | undefined,
  taskId: string,
  name: string,
): Promise<DownloadedArtifact> {
  const path = REST_PATHS.taskArtifact
    .replace('{task_id}', encodeURIComponent(taskId))
    .replace('{name}', encodeURIComponent(name));
  const response = await fetch(new URL(path, baseUrl), {
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
    throw new ArtifactDownloadError(response.status, body);
  }
  return {
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}
