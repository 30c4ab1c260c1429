// The MikroORM CLI's config for the patients subgraph (`npx mikro-orm migration:list` … in this folder).
// The CLI is plain Node without a TypeScript loader, so this file registers tsx first: the config
// (the migrator options `npm run migrate` uses), the entities and the migrations then load as the
// TypeScript they are, without a build step.
import { register } from 'tsx/esm/api';

register();
const { mikroOrmCliConfig } = await import('@healthsync/orm/mikro-orm');

export default await mikroOrmCliConfig('patients');
