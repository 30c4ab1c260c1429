import { createTestDatabase, describeServerAudits, type TestDatabase } from '@healthsync/orm/testing';
import { startPatientsServer } from '../src/server.js';
import { testPatientsConfig } from './harness.js';

let database: TestDatabase;
let server: Awaited<ReturnType<typeof startPatientsServer>>;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await startPatientsServer(testPatientsConfig(database, { HOST: '127.0.0.1' }));
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describeServerAudits(() => server.url);
