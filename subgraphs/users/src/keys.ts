import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { ACCESS_TOKEN_ALGORITHM } from '@healthsync/orm/auth';
import type { UsersConfig } from './environment.js';

export interface SigningKeys {
  /** Private key that signs new access tokens. */
  privateKey: CryptoKey;
  kid: string;
  /** The public JWKS: current key first, then the previous one during a rotation. */
  jwks: { keys: JWK[] };
  /** Verifies tokens against `jwks` without an HTTP round trip. */
  keySet: JWTVerifyGetKey;
}

const publicPart = ({ d: _d, ...rest }: JWK): JWK => ({ ...rest, use: 'sig', alg: ACCESS_TOKEN_ALGORITHM });

function parseJwk(json: string, what: string): JWK {
  try {
    const jwk = JSON.parse(json) as JWK;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.kid) throw new Error('not an Ed25519 JWK with a kid');
    return jwk;
  } catch (error) {
    throw new Error(`${what} is not a usable key: ${(error as Error).message}`);
  }
}

/** A new Ed25519 private JWK with a fresh `kid`. */
async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: ACCESS_TOKEN_ALGORITHM };
}

const keyFiles = (keysDir: string) => ({
  currentFile: path.join(keysDir, 'current.private.jwk.json'),
  previousFile: path.join(keysDir, 'previous.public.jwk.json'),
});

/** Development keys: made on first start under KEYS_DIR (git-ignored), readable by their owner only. */
async function developmentJwks(keysDir: string): Promise<{ current: JWK; previous?: JWK }> {
  const { currentFile, previousFile } = keyFiles(keysDir);
  if (!existsSync(currentFile)) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    writeFileSync(currentFile, JSON.stringify(await generateSigningJwk()), { mode: 0o600 });
  }
  const current = parseJwk(readFileSync(currentFile, 'utf8'), currentFile);
  const previous = existsSync(previousFile) ? parseJwk(readFileSync(previousFile, 'utf8'), previousFile) : undefined;
  return previous ? { current, previous } : { current };
}

/** Loads the signing key from the environment (production) or from KEYS_DIR (development). */
export async function loadSigningKeys(config: UsersConfig): Promise<SigningKeys> {
  const { current, previous } = config.JWT_PRIVATE_KEY
    ? {
        current: parseJwk(config.JWT_PRIVATE_KEY, 'JWT_PRIVATE_KEY'),
        previous: config.JWT_PREVIOUS_PUBLIC_KEY
          ? parseJwk(config.JWT_PREVIOUS_PUBLIC_KEY, 'JWT_PREVIOUS_PUBLIC_KEY')
          : undefined,
      }
    : await developmentJwks(config.KEYS_DIR);
  if (!current.d) throw new Error('the current signing key has no private part');
  const jwks = { keys: [publicPart(current), ...(previous ? [publicPart(previous)] : [])] };
  return {
    privateKey: (await importJWK(current, ACCESS_TOKEN_ALGORITHM)) as CryptoKey,
    kid: current.kid as string,
    jwks,
    keySet: createLocalJWKSet(jwks),
  };
}

export interface RotatedKeys {
  /** The new signing key (private JWK). */
  current: JWK;
  /** The key it replaces, public part only: served in the JWKS until the next rotation. */
  previous: JWK;
  /** The key that was previous before this rotation, now gone: its tokens stop verifying. */
  removedKid: string | undefined;
}

/**
 * One key rotation: a new signing key; the current one becomes the previous (still verifying the
 * tokens it signed); the old previous is dropped. Rotate at most once per access token lifetime,
 * or tokens signed two keys ago are refused before they expire.
 */
async function rotateKeys(current: JWK, previous: JWK | undefined): Promise<RotatedKeys> {
  return { current: await generateSigningJwk(), previous: publicPart(current), removedKid: previous?.kid };
}

/** Rotates the development keys in `keysDir` (creating them first when there are none). */
export async function rotateDevelopmentKeys(keysDir: string): Promise<RotatedKeys> {
  const { current, previous } = await developmentJwks(keysDir);
  const rotated = await rotateKeys(current, previous);
  const { currentFile, previousFile } = keyFiles(keysDir);
  // Previous first: a crash in between keeps the current key, so no signed token loses its key.
  writeFileSync(previousFile, JSON.stringify(rotated.previous), { mode: 0o600 });
  writeFileSync(currentFile, JSON.stringify(rotated.current), { mode: 0o600 });
  return rotated;
}

/** Rotates production keys given as environment values (the operator stores the result). */
export function rotateEnvironmentKeys(privateKeyJson: string, previousPublicJson?: string): Promise<RotatedKeys> {
  return rotateKeys(
    parseJwk(privateKeyJson, 'JWT_PRIVATE_KEY'),
    previousPublicJson ? parseJwk(previousPublicJson, 'JWT_PREVIOUS_PUBLIC_KEY') : undefined,
  );
}
