import type { ServerResponse } from 'node:http';
import { DomainError, isUnstorableText, TaskId, UNSTORABLE_TEXT_MESSAGE } from '@kaygraph/contracts';
import type { Caller, TaskService } from '@kaygraph/tasks';
import { describeError } from '../errors.ts';
import { parsePathParam } from './path-param.ts';
import { sendError } from './respond.ts';

export const ARTIFACT_PATH = /^\/tasks\/([^/]+)\/artifacts\/([^/]+)\/?$/i;

/**
 * `GET /tasks/{task_id}/artifacts/{name}`: the stored bytes of one artifact a task produced (a report CSV,
 * model weights), with its content type; 404 for another owner's task or an unknown name.
 */
export async function serveArtifact(
  res: ServerResponse,
  rawTaskId: string,
  rawName: string,
  opts: { tasks: TaskService; caller: () => Promise<Caller> },
): Promise<void> {
  try {
    const taskId = parsePathParam('task_id', TaskId, rawTaskId);
    const name = decodeName(rawName);
    const artifact = await opts.tasks.artifact(await opts.caller(), taskId, name);
    res.writeHead(200, {
      'content-type': artifact.contentType,
      'content-length': String(artifact.content.byteLength),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    });
    res.end(artifact.content);
  } catch (error) {
    sendError(res, describeError(error));
  }
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
