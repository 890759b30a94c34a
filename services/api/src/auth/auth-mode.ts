/**
 * Whether the api requires an API key: always with AUTH_REQUIRED=true, otherwise as soon as one
 * non-revoked key exists. The answer is cached for `cacheMs`, so creating the first key (or revoking
 * the last) takes effect on every replica within that time without a query per request.
 */
export class AuthMode {
  readonly #required: boolean;
  readonly #cacheMs: number;
  readonly #hasActiveKeys: () => Promise<boolean>;
  #cached: { on: boolean; until: number } | undefined;
  #pending: Promise<boolean> | undefined;

  constructor(opts: { required: boolean; cacheMs: number; hasActiveKeys: () => Promise<boolean> }) {
    this.#required = opts.required;
    this.#cacheMs = opts.cacheMs;
    this.#hasActiveKeys = opts.hasActiveKeys;
  }

  /** True when AUTH_REQUIRED forces auth regardless of keys. */
  get forced(): boolean {
    return this.#required;
  }

  async isOn(): Promise<boolean> {
    if (this.#required) return true;
    const cached = this.#cached;
    if (cached && cached.until > Date.now()) return cached.on;
    // One query however many requests arrive while the cache is stale.
    this.#pending ??= this.#hasActiveKeys()
      .then((on) => {
        this.#cached = { on, until: Date.now() + this.#cacheMs };
        return on;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  /** Forgets the cached answer (after this process created or revoked a key). */
  invalidate(): void {
    this.#cached = undefined;
  }
}
