import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { migrateAll, revertAll, withClient } from '@healthsync/orm/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const tablesIn = (url: string, schema: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    return rows.map((row) => row.table_name);
  });

test('every subgraph migrates down to nothing and up again', async () => {
  expect(await tablesIn(database.adminUrl, 'users')).toContain('account');
  await revertAll(database.adminUrl);
  expect(await tablesIn(database.adminUrl, 'users')).toEqual(['mikro_orm_migrations']);
  await migrateAll(database.adminUrl);
  expect(await tablesIn(database.adminUrl, 'users')).toContain('account');
});

test('each subgraph role can use its own schema and not the other one', async () => {
  await withClient(database.urls.users, (client) => client.query('SELECT count(*) FROM users.account'));
  await expect(
    withClient(database.urls.patients, (client) => client.query('SELECT count(*) FROM users.account')),
  ).rejects.toThrow(/permission denied/);
});
