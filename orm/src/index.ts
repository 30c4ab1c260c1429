/**
 * The toolkit's core, which every layer uses: settings parsing, the logger, the error codes, ids
 * and process handling. The layers have their own entry points: `@healthsync/orm/database`,
 * `/http`, `/auth`, `/testing` (orm/README.md).
 */
export * from './environment.js';
export * from './logger.js';
export * from './errors.js';
export * from './ids.js';
export * from './process.js';
