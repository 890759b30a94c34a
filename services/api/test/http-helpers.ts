import { isTerminalStatus, type TaskStatus } from '@kaygraph/contracts';

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function requestJson(url: string, init: RequestInit = {}): Promise<JsonAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export function postJson(url: string, body: unknown, contentType = 'application/json'): Promise<JsonAnswer> {
  return requestJson(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });
}

/** Polls GET /tasks/{id} until the task is terminal (the tests wait for behaviour, never for a time). */
export async function waitForTerminal(baseUrl: string, taskId: string): Promise<TaskStatus> {
  for (;;) {
    const answer = await requestJson(`${baseUrl}/tasks/${taskId}`);
    const status = (answer.body as { status: TaskStatus }).status;
    if (isTerminalStatus(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls until `predicate` holds for GET /tasks/{id}/progress. */
export async function waitForProgress(
  baseUrl: string,
  taskId: string,
  predicate: (view: { status: TaskStatus; progress: number }) => boolean,
): Promise<void> {
  for (;;) {
    const answer = await requestJson(`${baseUrl}/tasks/${taskId}/progress`);
    if (predicate(answer.body as { status: TaskStatus; progress: number })) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

/** Parses a text/event-stream as it arrives (raw, per the WHATWG rules this server uses). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let message: SseMessage = {};
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (Object.keys(message).length > 0) yield message;
        message = {};
      } else if (line.startsWith(':')) {
        yield { comment: line.slice(1).trim() };
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
        else if (field === 'id' || field === 'event' || field === 'retry') message[field] = value;
      }
      newline = buffer.indexOf('\n');
    }
  }
}
