export * from './database.js';
export * from './environment.js';
export * from './conformance.js';
