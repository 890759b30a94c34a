import {
  type ApiKeyView,
  type CreateApiKeyInput,
  type CreatedApiKey,
  DomainError,
  isUuid,
} from '@kaygraph/contracts';
import type { Connection } from '@kaygraph/db';
import type { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/key-store.ts';

/** Partial ids and prefixes shorter than this would match keys by accident. */
const MIN_PARTIAL_LENGTH = 6;

/** API key management: what `keys.*` procedures and the api's `keys` command both run. */
export interface KeyAdmin {
  /** Stores a new key; the answer carries its secret, which exists nowhere else afterwards. */
  create(input: z.output<typeof CreateApiKeyInput>): Promise<CreatedApiKey>;
  /** Newest first; revoked keys only with `includeRevoked`. */
  list(options: { includeRevoked: boolean }): Promise<ApiKeyView[]>;
  /** By id, or by the start of the id or of the prefix when exactly one key has it. */
  revoke(idOrPrefix: string): Promise<ApiKeyView>;
}

export interface KeyAdminOptions {
  /** A key acknowledged must survive a crash: not a pool with `synchronous_commit = off`. */
  sql: Connection['sql'];
  /** Called after a key was created or revoked (the auth mode's cached answer is stale then). */
  onChange?: () => void;
}

/** @example const admin = createKeyAdmin({ sql }); const { key } = await admin.create({ name: 'ci', admin: false }); */
export function createKeyAdmin(opts: KeyAdminOptions): KeyAdmin {
  const { sql } = opts;
  const changed = () => opts.onChange?.();

  /** The id of the one key that `text` names. */
  const resolveId = async (text: string): Promise<string> => {
    if (isUuid(text)) return text.toLowerCase();
    const keys = await listApiKeys(sql, { includeRevoked: true });
    const lowered = text.toLowerCase();
    const matches =
      text.length < MIN_PARTIAL_LENGTH
        ? []
        : keys.filter((key) => key.id.startsWith(lowered) || key.prefix.startsWith(text));
    const [match, ...others] = matches;
    if (!match) {
      throw new DomainError(
        'NOT_FOUND',
        `no key matches "${text}": give its id, or at least ${MIN_PARTIAL_LENGTH} characters of its id or prefix (keys list shows both)`,
      );
    }
    if (others.length > 0) {
      throw new DomainError(
        'CONFLICT',
        `${matches.length} keys match "${text}" (${matches.map((key) => key.id).join(', ')}): give more characters or the id`,
      );
    }
    return match.id;
  };

  return {
    async create(input) {
      const { key, record } = await createApiKey(sql, {
        name: input.name,
        owner: input.owner,
        admin: input.admin,
        rateLimitPerMinute: input.rate_limit_per_minute,
      });
      changed();
      return { ...record, key };
    },
    list: ({ includeRevoked }) => listApiKeys(sql, { includeRevoked }),
    async revoke(idOrPrefix) {
      const id = await resolveId(idOrPrefix.trim());
      const record = await revokeApiKey(sql, id);
      if (!record) throw new DomainError('NOT_FOUND', `no key ${id}`);
      changed();
      return record;
    },
  };
}
