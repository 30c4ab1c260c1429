export * from './database.js';
export * from './environment.js';
export * from './tokens.js';
export * from './conformance.js';
export * from './token-attacks.js';
export * from './start-failure.js';
export * from './folders.js';
export * from './streaming-replica.js';
