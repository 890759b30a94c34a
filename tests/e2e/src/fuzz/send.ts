/** Sends one fuzz case and judges the answer: a 5xx (or a tRPC INTERNAL_SERVER_ERROR) is a failure. */
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import type { FuzzCase } from './cases.ts';

export interface Outcome {
  /** HTTP status, or 101 for an opened WebSocket, or 0 when the server closed without an answer. */
  status: number;
  /** A 5xx, or an internal error inside a 200/207/SSE/WebSocket answer. */
  serverError: boolean;
  /** Task ids the answer says were created (a malformed request should create none). */
  taskIds: string[];
  detail?: string;
}

const STREAM_READ_MS = 300;
const RAW_WAIT_MS = 1_000;
const SOCKET_WAIT_MS = 400;
/**
 * An internal error inside an answer: tRPC items carry the status the api means in `data.httpStatus` and
 * its ErrorBody in `data.errorBody` (the JSON-RPC `code` of a subscription error stays -32603 even for a
 * 404, so it is not used); REST and socket errors carry an ErrorBody `code`.
 */
const INTERNAL = /"httpStatus":5\d\d|"code":"INTERNAL"/;

/** The part of an answer a human needs: around the internal error when there is one, else the start. */
function excerpt(text: string): string {
  const at = text.search(INTERNAL);
  return at < 0 ? text.slice(0, 300) : text.slice(Math.max(0, at - 400), at + 300);
}

/** Every `task_id` in a JSON answer (submit, submitMany, tRPC batch items). */
function createdTaskIds(text: string): string[] {
  return [...text.matchAll(/"task_id":"([0-9a-f-]{36})"/g)].map((m) => m[1] ?? '');
}

async function readSome(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => reader.cancel().catch(() => undefined), STREAM_READ_MS);
  try {
    while (text.length < 16_384) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // Cancelled after the read window: what arrived is what we judge.
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => undefined);
  }
  return text;
}

async function sendHttp(base: string, c: Extract<FuzzCase, { kind: 'http' }>): Promise<Outcome> {
  const response = await fetch(`${base}${c.path}`, {
    method: c.method,
    headers: c.headers,
    ...(c.body !== undefined && !['GET', 'HEAD'].includes(c.method.toUpperCase()) ? { body: c.body } : {}),
    redirect: 'manual',
  });
  const text = await readSome(response);
  // Whatever a write answered with: submit, submitMany, group creation (with its tasks), retry, redrive.
  const isWrite = !['GET', 'HEAD', 'OPTIONS'].includes(c.method.toUpperCase());
  const ok = response.status >= 200 && response.status < 300;
  return {
    status: response.status,
    serverError: response.status >= 500 || INTERNAL.test(text),
    taskIds: isWrite && ok ? createdTaskIds(text) : [],
    detail: excerpt(text),
  };
}

function sendRaw(base: string, c: Extract<FuzzCase, { kind: 'raw' }>): Promise<Outcome> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({
        status,
        serverError: status >= 500,
        taskIds: status === 202 ? createdTaskIds(text) : [],
        detail: text.slice(0, 300),
      });
    };
    const timer = setTimeout(finish, RAW_WAIT_MS);
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(c.data);
      socket.end(); // half-close: the body is as long as it will ever be
    });
  });
}

function sendSocket(base: string, c: Extract<FuzzCase, { kind: 'ws' }>): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}${c.path}`);
    const received: string[] = [];
    let status = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.terminate();
      const text = received.join('\n');
      resolve({
        status,
        serverError: status >= 500 || INTERNAL.test(text),
        taskIds: [],
        detail: excerpt(text),
      });
    };
    const timer = setTimeout(finish, SOCKET_WAIT_MS);
    socket.on('unexpected-response', (_req, res) => {
      status = res.statusCode ?? 0;
      finish();
    });
    socket.on('open', () => {
      status = 101;
      for (const message of c.messages) socket.send(message);
    });
    socket.on('message', (data) => received.push(String(data)));
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

export async function send(base: string, c: FuzzCase): Promise<Outcome> {
  if (c.kind === 'raw') return sendRaw(base, c);
  if (c.kind === 'ws') return sendSocket(base, c);
  return sendHttp(base, c);
}
