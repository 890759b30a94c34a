import { z } from 'zod';
import { Timestamp } from './common.ts';

/**
 * Short-lived stream tokens: what a browser's EventSource or WebSocket puts in its URL (`?token=`) instead
 * of an API key, which it cannot send as a header. A token reads the live stream of the one task (or group)
 * it was made for, for the key that asked, until `expires_at`; it opens nothing else.
 */

/** The query parameter the streams read a token from: `/tasks/{task_id}/stream?token=…`. */
export const STREAM_TOKEN_QUERY_PARAM = 'token';

/** What `POST /tasks/{task_id}/stream-token` and `POST /groups/{group_id}/stream-token` answer. */
export const StreamToken = z.object({
  /** Put it in the stream's URL as `?token=`; send it nowhere else (it is no API key). */
  token: z.string(),
  /** After this, the token opens no stream (one already open runs on to its end). */
  expires_at: Timestamp,
});
export type StreamToken = z.infer<typeof StreamToken>;
