/**
 * A random idempotency key for one form shown (128 bits, hex). From `getRandomValues`, which browsers
 * also offer outside secure contexts (a dashboard served over plain http), unlike `randomUUID`.
 */
export function newFormKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `form-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
