import { createTestDatabase, describeServerAudits, type TestDatabase } from '@healthsync/orm/testing';
import { startUsersServer } from '../src/server.js';
import { testUsersConfig } from './harness.js';

let database: TestDatabase;
let server: Awaited<ReturnType<typeof startUsersServer>>;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await startUsersServer(testUsersConfig(database, { HOST: '127.0.0.1' }));
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describeServerAudits(() => server.url);
