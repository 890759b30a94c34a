/**
 * Hand-written stream clients that behave as the docs tell users to: follow a task's events, and when the
 * connection drops before `done`, reconnect (retrying while the api is down) from the last event id.
 * They return every seq they were handed, so a test can prove there was no gap and no duplicate.
 */
import { WebSocket } from 'ws';

export interface FollowResult {
  seqs: number[];
  /** Connections after the first. */
  reconnects: number;
}

const RETRY_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `GET /tasks/{id}/stream` with `Last-Event-ID` on every reconnect. */
export async function followSse(baseUrl: string, taskId: string, deadline = Date.now() + 90_000) {
  const result: FollowResult = { seqs: [], reconnects: -1 };
  let lastSeq = 0;
  while (Date.now() < deadline) {
    result.reconnects++;
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/tasks/${taskId}/stream`, {
        headers: lastSeq > 0 ? { 'last-event-id': String(lastSeq) } : {},
      });
    } catch {
      await sleep(RETRY_MS); // the api is down: try again
      continue;
    }
    if (response.status !== 200 || !response.body) throw new Error(`SSE answered ${response.status}`);
    let buffer = '';
    let done = false;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            frame
              .split('\n')
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
          );
          if (fields.event === 'done') done = true;
          else if (fields.id !== undefined && fields.event) {
            const seq = Number(fields.id);
            result.seqs.push(seq);
            lastSeq = seq;
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // The connection was cut mid-stream: reconnect below.
    }
    if (done) return result;
    await sleep(RETRY_MS);
  }
  throw new Error('SSE stream did not finish in time');
}

/** `WS /ws/{id}` with `?last_event_id=` on every reconnect. */
export async function followRawSocket(baseUrl: string, taskId: string, deadline = Date.now() + 90_000) {
  const result: FollowResult = { seqs: [], reconnects: -1 };
  let lastSeq = 0;
  while (Date.now() < deadline) {
    result.reconnects++;
    const query = lastSeq > 0 ? `?last_event_id=${lastSeq}` : '';
    const done = await new Promise<boolean>((resolve) => {
      let finished = false;
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/${taskId}${query}`);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { seq?: number; done?: boolean };
        if (message.done) finished = true;
        else if (typeof message.seq === 'number') {
          result.seqs.push(message.seq);
          lastSeq = message.seq;
        }
      });
      socket.on('error', () => undefined); // 'close' follows
      socket.on('close', () => resolve(finished));
    });
    if (done) return result;
    await sleep(RETRY_MS);
  }
  throw new Error('raw socket did not finish in time');
}
