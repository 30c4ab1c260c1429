import { jest } from '@jest/globals';
import type { JWTVerifyGetKey } from 'jose';
import {
  createAccessTokenVerifier,
  createRevocationCache,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  type RevocationList,
} from '../src/auth/index.js';
import { createTestTokenIssuer, type TestTokenIssuer } from '../src/testing/index.js';

const USER = '0b8f2f0e-3f57-4a43-a7c8-5b1c2b7f4e21';

/** A verifier over `issuer`'s keys that counts signature checks (one key lookup each). */
function countingVerifier(issuer: TestTokenIssuer, list: RevocationList = { notBefore: {} }) {
  const lookups = { count: 0 };
  const keys: JWTVerifyGetKey = (header, token) => {
    lookups.count++;
    return issuer.keys(header, token);
  };
  const verify = createAccessTokenVerifier({
    keys,
    issuer: DEFAULT_TOKEN_ISSUER,
    audience: DEFAULT_TOKEN_AUDIENCE,
    // The list object is kept by reference: a cut-off added below is seen at once.
    revocations: createRevocationCache(async () => list),
  });
  return { verify, lookups };
}

describe('verified access tokens are remembered', () => {
  test('the same token is signature-checked once; another token is checked on its own', async () => {
    const issuer = await createTestTokenIssuer();
    const { verify, lookups } = countingVerifier(issuer);
    const token = await issuer.sign({ userId: USER, role: 'VIEWER' });
    for (let i = 0; i < 3; i++) await expect(verify(token)).resolves.toEqual({ userId: USER, role: 'VIEWER' });
    expect(lookups.count).toBe(1);
    await verify(await issuer.sign({ userId: USER }));
    expect(lookups.count).toBe(2);
    // One character changed is another string: never served from the remembered ones.
    const tampered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.slice(-1)}`;
    await expect(verify(tampered)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('a remembered token is still refused once its user is cut off', async () => {
    const issuer = await createTestTokenIssuer();
    const list: RevocationList = { notBefore: {} };
    const { verify } = countingVerifier(issuer, list);
    const token = await issuer.sign({ userId: USER });
    await expect(verify(token)).resolves.toMatchObject({ userId: USER });
    list.notBefore[USER] = Math.floor(Date.now() / 1000) + 1;
    await expect(verify(token)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('a remembered token is refused once it has expired', async () => {
    const issuer = await createTestTokenIssuer();
    const { verify } = countingVerifier(issuer);
    const token = await issuer.sign({ userId: USER, expiresIn: 1 });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      await expect(verify(token)).resolves.toMatchObject({ userId: USER });
      jest.setSystemTime(Date.now() + 2_000);
      await expect(verify(token)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      jest.useRealTimers();
    }
  });
});
