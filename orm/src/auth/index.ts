/** `@healthsync/orm/auth`: access tokens, roles and access checks, revocations. */
export * from './tokens.js';
export * from './access.js';
export * from './revocations.js';
