import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { type StreamTokenClaims, signStreamToken, verifyStreamToken } from './stream-token.ts';

const secret = randomBytes(32);
const taskId = '0b8f5a0e-1111-4222-8333-444455556666';
const otherTaskId = '0b8f5a0e-1111-4222-8333-444455556667';
const keyId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const nowMs = Date.UTC(2030, 0, 1);
const claims: StreamTokenClaims = {
  scope: { kind: 'task', id: taskId },
  keyId,
  expiresAtSeconds: nowMs / 1000 + 300,
};
const token = signStreamToken(secret, claims);
const task = { kind: 'task', id: taskId } as const;

describe('stream tokens', () => {
  test('a token verifies for its scope before its expiry, and says for which key', () => {
    expect(token.startsWith('kgst_')).toBe(true);
    expect(verifyStreamToken(secret, token, { scope: task, nowMs })).toEqual(claims);
    expect(
      verifyStreamToken(secret, token, { scope: { kind: 'task', id: taskId.toUpperCase() }, nowMs }),
    ).toEqual(claims);
    const open = signStreamToken(secret, { ...claims, keyId: null });
    expect(verifyStreamToken(secret, open, { scope: task, nowMs })?.keyId).toBeNull();
  });

  test('another task, a group of the same id, an expired token: nothing', () => {
    expect(
      verifyStreamToken(secret, token, { scope: { kind: 'task', id: otherTaskId }, nowMs }),
    ).toBeUndefined();
    expect(verifyStreamToken(secret, token, { scope: { kind: 'group', id: taskId }, nowMs })).toBeUndefined();
    const expiry = claims.expiresAtSeconds * 1000;
    expect(verifyStreamToken(secret, token, { scope: task, nowMs: expiry - 1 })).toEqual(claims);
    expect(verifyStreamToken(secret, token, { scope: task, nowMs: expiry })).toBeUndefined();
  });

  test('forged: another secret, a changed payload or signature, garbage', () => {
    expect(verifyStreamToken(randomBytes(32), token, { scope: task, nowMs })).toBeUndefined();
    const [payload = '', signature = ''] = token.slice('kgst_'.length).split('.');
    const longer = Buffer.from(
      Buffer.from(payload, 'base64url')
        .toString()
        .replace(/\d+$/, String(claims.expiresAtSeconds + 3600)),
    ).toString('base64url');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [
      `kgst_${longer}.${signature}`,
      `kgst_${payload}.${flipped}`,
      `kgst_${payload}.${signature}x`,
      `kgst_${payload}.${signature}.${signature}`,
      `kgst_${payload}`,
      token.slice('kgst_'.length),
      'kgst_',
      '',
      `kgst_${'a'.repeat(1000)}.${signature}`,
    ]) {
      expect(verifyStreamToken(secret, forged, { scope: task, nowMs }), forged).toBeUndefined();
    }
  });
});
