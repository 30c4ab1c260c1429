/**
 * `npm run users:rotate-keys`: a new signing key; the current one stays in the JWKS as the
 * previous key; the old previous key is dropped, and tokens it signed stop verifying.
 * Development keys (KEYS_DIR) are rotated in place; with JWT_PRIVATE_KEY set (production) the new
 * JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEY values are printed for the operator to store.
 * Restart the users subgraph afterwards to sign with the new key.
 */
import { runMain } from '@healthsync/orm';
import { loadRotateKeysConfig } from '../environment.js';
import { rotateDevelopmentKeys, rotateEnvironmentKeys } from '../keys.js';

runMain(async () => {
  const config = loadRotateKeysConfig();
  if (config.JWT_PRIVATE_KEY) {
    const rotated = await rotateEnvironmentKeys(config.JWT_PRIVATE_KEY, config.JWT_PREVIOUS_PUBLIC_KEY);
    console.log(`JWT_PRIVATE_KEY='${JSON.stringify(rotated.current)}'`);
    console.log(`JWT_PREVIOUS_PUBLIC_KEY='${JSON.stringify(rotated.previous)}'`);
    console.error(
      `new kid ${rotated.current.kid}; previous ${rotated.previous.kid}; removed ${rotated.removedKid ?? 'none'}`,
    );
    return;
  }
  const rotated = await rotateDevelopmentKeys(config.KEYS_DIR);
  console.log(
    `rotated keys in ${config.KEYS_DIR}: new kid ${rotated.current.kid}, previous ${rotated.previous.kid}, removed ${rotated.removedKid ?? 'none'}; restart the users subgraph`,
  );
});
