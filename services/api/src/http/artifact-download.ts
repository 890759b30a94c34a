import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, isUnstorableText, TaskId, UNSTORABLE_TEXT_MESSAGE } from '@kaygraph/contracts';
import type { ArtifactDownload, Caller, TaskService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { OpenConnection } from '../context.ts';
import { describeError, errorBody } from '../errors.ts';
import { requestedRange } from './byte-range.ts';
import { parsePathParam } from './path-param.ts';
import { sendError } from './respond.ts';
import { writeBody } from './write-body.ts';

export const ARTIFACT_PATH = /^\/tasks\/([^/]+)\/artifacts\/([^/]+)\/?$/i;

/**
 * `GET /tasks/{task_id}/artifacts/{name}`: the stored bytes of one artifact a task produced (a report CSV,
 * model weights), with its content type; 404 for another owner's task or an unknown name. The bytes are
 * read from PostgreSQL a chunk at a time as the client takes them. One `Range` (`bytes=a-b`, `a-`, `-n`)
 * gets a 206, one outside the artifact a 416; several get the whole artifact. HEAD: the headers only.
 * Revoking the caller's key cuts a download in progress.
 */
export async function serveArtifact(
  req: IncomingMessage,
  res: ServerResponse,
  rawTaskId: string,
  rawName: string,
  opts: { tasks: TaskService; caller: (connection: OpenConnection) => Promise<Caller>; logger: Logger },
): Promise<void> {
  let download: ArtifactDownload;
  try {
    const taskId = parsePathParam('task_id', TaskId, rawTaskId);
    const name = decodeName(rawName);
    download = await opts.tasks.openArtifact(await opts.caller(downloadConnection(res)), taskId, name);
  } catch (error) {
    return sendError(res, describeError(error));
  }
  const { size } = download;
  const etag = `"${download.version}"`;
  // RFC 9110 defines Range for GET only: a HEAD answers as the GET of the whole artifact.
  const ifRange = req.headers['if-range'];
  const range =
    req.method === 'GET'
      ? requestedRange(
          { range: req.headers.range, ifRange: Array.isArray(ifRange) ? ifRange.join(', ') : ifRange },
          size,
          etag,
        )
      : ({ kind: 'whole' } as const);
  if (range.kind === 'unsatisfiable') {
    const message = `the range asked for is not within the ${size} bytes of artifact "${download.name}"`;
    return sendError(res, errorBody('RANGE_NOT_SATISFIABLE', message), {
      'accept-ranges': 'bytes',
      'content-range': `bytes */${size}`,
    });
  }
  const { start, end } = range.kind === 'part' ? range : { start: 0, end: size };
  res.writeHead(range.kind === 'part' ? 206 : 200, {
    'content-type': download.contentType,
    'content-length': String(end - start),
    ...(range.kind === 'part' ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
    'accept-ranges': 'bytes',
    etag,
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(download.name)}`,
    // The content type is the workflow's word: a browser must not guess another (HTML) from the bytes.
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD' || start === end) return void res.end();
  try {
    await writeBody(res, download.chunks({ start, end }));
  } catch (error) {
    const replaced = error instanceof DomainError && error.code === 'CONFLICT';
    opts.logger[replaced ? 'info' : 'warn'](
      { err: error, task_id: rawTaskId },
      'artifact download cut short after its headers',
    );
  }
}

/**
 * The download as auth watches it: revoking its key cuts the connection (the client sees fewer bytes
 * than Content-Length), as it closes the streams.
 */
function downloadConnection(res: ServerResponse): OpenConnection {
  return {
    close: () => res.destroy(),
    onClosed: (listener) => {
      // A client gone before the key was checked: its 'close' was already emitted.
      if (res.closed) listener();
      else res.once('close', listener);
    },
  };
}

function decodeName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw new DomainError('BAD_REQUEST', 'the artifact name is not valid percent-encoding');
  }
  // No artifact can have such a name, and PostgreSQL refuses to compare text holding NUL.
  if (isUnstorableText(name))
    throw new DomainError('BAD_REQUEST', `the artifact name ${UNSTORABLE_TEXT_MESSAGE}`);
  return name;
}
