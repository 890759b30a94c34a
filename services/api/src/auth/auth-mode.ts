/**
 * Whether the api requires an API key: always when `required` (AUTH_REQUIRED, or a network bind the
 * operator did not open), otherwise as soon as a key was ever created on the database. Once on it stays
 * on: revoking every key never opens the api again. While off, the answer is cached for `cacheMs`, so
 * creating the first key takes effect on every replica within that time without a query per request.
 */
export class AuthMode {
  readonly #required: boolean;
  readonly #requiredBecause: string | undefined;
  readonly #cacheMs: number;
  readonly #keysExisted: () => Promise<boolean>;
  #on = false;
  #offUntil = 0;
  #pending: Promise<boolean> | undefined;

  constructor(opts: {
    required: boolean;
    requiredBecause?: string | undefined;
    cacheMs: number;
    keysExisted: () => Promise<boolean>;
  }) {
    this.#required = opts.required;
    this.#requiredBecause = opts.requiredBecause;
    this.#cacheMs = opts.cacheMs;
    this.#keysExisted = opts.keysExisted;
  }

  /** True when auth is on regardless of keys. */
  get forced(): boolean {
    return this.#required;
  }

  /** Why auth is forced (`AUTH_REQUIRED`, a network bind ...), when it is. */
  get forcedBecause(): string | undefined {
    return this.#required ? (this.#requiredBecause ?? 'AUTH_REQUIRED') : undefined;
  }

  async isOn(): Promise<boolean> {
    if (this.#required || this.#on) return true;
    if (this.#offUntil > Date.now()) return false;
    // One query however many requests arrive while the cache is stale.
    this.#pending ??= this.#keysExisted()
      .then((existed) => {
        if (existed) this.#on = true;
        else this.#offUntil = Date.now() + this.#cacheMs;
        return existed;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  /** Whether a key was ever created (asked of the database; for the startup log). */
  async keysExisted(): Promise<boolean> {
    if (this.#on) return true;
    const existed = await this.#keysExisted();
    if (existed) this.#on = true;
    return existed;
  }

  /** Forgets a cached "off" (after this process created a key). */
  invalidate(): void {
    this.#offUntil = 0;
  }
}
