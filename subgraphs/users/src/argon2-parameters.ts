/**
 * How passwords are stored: argon2id's parameters, on their own so that the service process (which
 * only checks whether a stored hash needs a rehash) does not load the password rule's dictionaries.
 */
import argon2 from 'argon2';

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
