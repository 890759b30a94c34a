import type { Connection } from '@kaygraph/db';
import type { Logger } from 'pino';
import type { OpenConnection } from '../context.ts';
import { API_KEY_REVOKED_CHANNEL, revokedApiKeyIds } from './key-store.ts';

/** What a revoked key's open connections are told as they close. */
export const REVOKED_REASON = 'API key revoked';

/**
 * The open connections (WebSockets, event streams) of each key in this process, closed as soon as the
 * key is revoked anywhere: revocations arrive by NOTIFY from whichever process revoked them, and after a
 * lost LISTEN connection every watched key is checked again (notifications sent meanwhile are lost).
 */
export class RevocationWatch {
  readonly #sql: Connection['sql'];
  readonly #logger: Logger;
  readonly #onRevoked: (keyId: string) => void;
  readonly #connections = new Map<string, Set<OpenConnection>>();
  #unlisten: (() => Promise<void>) | undefined;

  constructor(opts: { sql: Connection['sql']; logger: Logger; onRevoked: (keyId: string) => void }) {
    this.#sql = opts.sql;
    this.#logger = opts.logger;
    this.#onRevoked = opts.onRevoked;
  }

  /** Starts listening; resolves once revocations are heard. */
  async start(): Promise<void> {
    let first = true;
    const { unlisten } = await this.#sql.listen(
      API_KEY_REVOKED_CHANNEL,
      (keyId) => this.revoked(keyId),
      () => {
        if (!first) this.#recheck();
        first = false;
      },
    );
    this.#unlisten = unlisten;
  }

  /** Closes `connection` when `keyId` is revoked (until the connection ends). */
  watch(keyId: string, connection: OpenConnection): void {
    let open = this.#connections.get(keyId);
    if (!open) {
      open = new Set();
      this.#connections.set(keyId, open);
    }
    open.add(connection);
    connection.onClosed(() => {
      const set = this.#connections.get(keyId);
      set?.delete(connection);
      if (set?.size === 0) this.#connections.delete(keyId);
    });
  }

  /** Forgets the key's cached verification and closes its connections. */
  revoked(keyId: string): void {
    this.#onRevoked(keyId);
    const open = this.#connections.get(keyId);
    this.#connections.delete(keyId);
    for (const connection of open ?? []) connection.close(REVOKED_REASON);
  }

  #recheck(): void {
    revokedApiKeyIds(this.#sql, [...this.#connections.keys()])
      .then((ids) => {
        for (const id of ids) this.revoked(id);
      })
      .catch((error: unknown) =>
        this.#logger.warn({ err: error }, "re-checking open connections' keys failed"),
      );
  }

  async close(): Promise<void> {
    await this.#unlisten?.().catch(() => undefined);
  }
}
