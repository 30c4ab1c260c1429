/** `@healthsync/orm/database`: the subgraphs' schemas and roles, MikroORM, bootstrap, the embedded cluster, migrations. */
export * from './subgraphs.js';
export * from './config.js';
export * from './init.js';
export * from './bootstrap.js';
export * from './open.js';
export * from './embedded.js';
export * from './migrate.js';
export * from './listen.js';
export * from './replicas.js';
export * from './execute.js';
