import { WebSocket } from 'ws';

/** What a tRPC WebSocket answers for one call or subscription. */
export interface TrpcSocketError {
  message: string;
  data?: { code?: string; httpStatus?: number; errorBody?: { code: string; message: string } };
}

type Listener = (message: Record<string, unknown>) => void;

/**
 * A tRPC WebSocket session spoken by hand (the wire protocol @trpc/client speaks), so tests see
 * exactly what the server sends: the API key goes in the connection params, as the client sends it.
 */
export class TrpcSocket {
  readonly #socket: WebSocket;
  readonly #listeners = new Map<number, Listener>();
  #nextId = 1;
  /** The close code and reason, once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    socket.on('message', (raw) => {
      const text = String(raw);
      // The server's keep-alive.
      if (text === 'PING') return socket.send('PONG');
      const message = JSON.parse(text) as Record<string, unknown>;
      if (typeof message.id === 'number') this.#listeners.get(message.id)?.(message);
    });
  }

  static async open(wsUrl: string, apiKey?: string): Promise<TrpcSocket> {
    const socket = new WebSocket(`${wsUrl}/trpc?connectionParams=1`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ method: 'connectionParams', data: apiKey ? { apiKey } : {} }));
    return new TrpcSocket(socket);
  }

  /** A query or mutation: its data, or the error shape. */
  call(
    method: 'query' | 'mutation',
    path: string,
    input: unknown,
  ): Promise<{ data?: unknown; error?: TrpcSocketError }> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#listeners.set(id, (message) => {
        this.#listeners.delete(id);
        if (message.error) resolve({ error: message.error as TrpcSocketError });
        else resolve({ data: (message.result as { data?: unknown } | undefined)?.data });
      });
      this.#socket.send(JSON.stringify({ id, method, params: { path, input } }));
    });
  }

  /**
   * Subscribes; `onData` sees every item until it returns true (then the subscription stops) or
   * the server ends it. Resolves with the error if the server refuses.
   */
  subscribe(
    path: string,
    input: unknown,
    onData: (data: unknown) => boolean,
  ): Promise<{ error?: TrpcSocketError }> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#listeners.set(id, (message) => {
        if (message.error) {
          this.#listeners.delete(id);
          resolve({ error: message.error as TrpcSocketError });
          return;
        }
        const result = message.result as { type?: string; data?: unknown } | undefined;
        if (result?.type === 'stopped') {
          this.#listeners.delete(id);
          resolve({});
        } else if (result?.type === 'data' && onData(untracked(result.data))) {
          this.#listeners.delete(id);
          this.#socket.send(JSON.stringify({ id, method: 'subscription.stop' }));
          resolve({});
        }
      });
      this.#socket.send(JSON.stringify({ id, method: 'subscription', params: { path, input } }));
    });
  }

  /** Starts a subscription and stops it at once: 'started' when the server took it, else its error. */
  start(path: string, input: unknown): Promise<'started' | TrpcSocketError> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#listeners.set(id, (message) => {
        this.#listeners.delete(id);
        if (message.error) return resolve(message.error as TrpcSocketError);
        this.#socket.send(JSON.stringify({ id, method: 'subscription.stop' }));
        resolve('started');
      });
      this.#socket.send(JSON.stringify({ id, method: 'subscription', params: { path, input } }));
    });
  }

  /**
   * Subscribes to `path` once per input, all in one frame (as @trpc/client batches subscriptions
   * started in one tick); each resolves at its first item, or with the error if the server refuses it.
   */
  subscribeInOneFrame(path: string, inputs: unknown[]): Promise<'data' | TrpcSocketError>[] {
    const messages: unknown[] = [];
    const outcomes = inputs.map((input) => {
      const id = this.#nextId++;
      messages.push({ id, method: 'subscription', params: { path, input } });
      return new Promise<'data' | TrpcSocketError>((resolve) => {
        this.#listeners.set(id, (message) => {
          const result = message.result as { type?: string } | undefined;
          if (message.error) resolve(message.error as TrpcSocketError);
          else if (result?.type === 'data') resolve('data');
        });
      });
    });
    this.#socket.send(JSON.stringify(messages));
    return outcomes;
  }

  close(): void {
    this.#socket.close();
  }
}

/** Items of `tracked()` subscriptions arrive as `{id, data}`. */
function untracked(value: unknown): unknown {
  if (value && typeof value === 'object' && 'id' in value && 'data' in value) return value.data;
  return value;
}

/** Opens `WS /ws/{task_id}` and collects every message until the server closes it. */
export async function readTaskSocket(
  wsUrl: string,
  taskId: string,
  apiKey?: string,
): Promise<{ messages: unknown[]; code: number }> {
  const socket = new WebSocket(`${wsUrl}/ws/${taskId}`, {
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  });
  const messages: unknown[] = [];
  socket.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  const code = await new Promise<number>((resolve, reject) => {
    socket.once('close', (closeCode) => resolve(closeCode));
    socket.once('error', reject);
  });
  return { messages, code };
}
