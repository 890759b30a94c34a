import { z } from 'zod';
import { storableText, Timestamp } from './common.ts';

/** An API key as operators see it: never its secret, never its hash. */
export const ApiKeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  /** Whose tasks the key acts for. */
  owner: z.string(),
  /** `kg_` and the first characters of the secret, to tell keys apart. */
  prefix: z.string(),
  /** Sees and manages every owner's tasks, and manages keys. */
  admin: z.boolean(),
  /** Submissions per minute; null: the service default (RATE_LIMIT_PER_MINUTE); 0: unlimited. */
  rate_limit_per_minute: z.number().int().nullable(),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreateApiKeyInput = z.strictObject({
  /** What the key is for (a person, a service). */
  name: storableText(z.string().trim().min(1, 'name is required').max(200)),
  /** Default: the name. */
  owner: storableText(z.string().trim().min(1).max(200)).optional(),
  admin: z.boolean().default(false),
  /** Submissions per minute for this key; 0: unlimited; absent: the service default. */
  rate_limit_per_minute: z.number().int().min(0).max(1_000_000).optional(),
});
export type CreateApiKeyInput = z.input<typeof CreateApiKeyInput>;

/** A new key with its secret, which is shown only in this answer. */
export const CreatedApiKey = ApiKeyView.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ListApiKeysInput = z.strictObject({
  /** `all`: revoked keys too. */
  include: z.enum(['active', 'all']).default('active'),
});
export type ListApiKeysInput = z.input<typeof ListApiKeysInput>;

export const ListApiKeysOutput = z.object({ items: z.array(ApiKeyView) });
export type ListApiKeysOutput = z.infer<typeof ListApiKeysOutput>;

export const RevokeApiKeyInput = z.strictObject({
  /** The key's id, or the start of its id or of its prefix (as `GET /keys` shows them), if unique. */
  id: z.string().trim().min(1, 'id is required').max(200),
});
export type RevokeApiKeyInput = z.infer<typeof RevokeApiKeyInput>;
