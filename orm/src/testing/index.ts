export * from './database.js';
export * from './environment.js';
