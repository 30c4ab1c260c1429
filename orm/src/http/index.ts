/** `@healthsync/orm/http`: the GraphQL service shell, its hardening, the subgraph server, the request context. */
export * from './service.js';
export * from './explorer.js';
export * from './security.js';
export * from './subgraph.js';
export * from './service-environment.js';
export * from './context.js';
