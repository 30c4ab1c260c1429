import { migrateAll, revertAll, withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** What the patients migrations own in the database, by kind. */
const inventory = () =>
  withClient(database.adminUrl, async (client) => {
    const query = async (sql: string, params: unknown[] = []) =>
      (await client.query<{ name: string }>(sql, params)).rows.map((row) => row.name);
    const rightsOn = (table: string) =>
      query(
        "SELECT privilege_type AS name FROM information_schema.role_table_grants WHERE table_schema = 'patients' AND table_name = $1 AND grantee = 'healthsync_patients' ORDER BY 1",
        [table],
      );
    return {
      tables: await query(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'patients' ORDER BY 1",
      ),
      functions: await query(
        "SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'patients' ORDER BY 1",
      ),
      triggers: await query(
        "SELECT tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'patients' AND NOT tgisinternal ORDER BY 1",
      ),
      auditRights: await rightsOn('audit_event'),
      historyRights: await rightsOn('patient_version'),
      patientRights: await rightsOn('patient'),
      historyForeignKey: await query(
        "SELECT confdeltype::text || confupdtype::text AS name FROM pg_constraint WHERE conname = 'patient_version_patient_id_foreign'",
      ),
    };
  });

test('the patients migrations go down to nothing and up again, search function, triggers, revokes and foreign keys included', async () => {
  const up = await inventory();
  expect(up.tables).toEqual([
    'allergy_intolerance',
    'audit_event',
    'condition',
    'encounter',
    'immunization',
    'medication_request',
    'mikro_orm_migrations',
    'observation',
    'patient',
    'patient_identifier',
    'patient_merge',
    'patient_merge_resource',
    'patient_version',
    'procedure',
    'search_term',
  ]);
  expect(up.functions).toEqual(
    expect.arrayContaining([
      'audit_event_append_only',
      'patient_version_append_only',
      'search_fold',
      'search_name_length',
      'search_normalize',
      'search_term_remember',
      'search_terms',
      'search_transliterate',
    ]),
  );
  expect(up.triggers).toEqual([
    'audit_event_append_only',
    'patient_search_terms_insert',
    'patient_search_terms_update',
    'patient_version_append_only',
  ]);
  expect(up.auditRights).toEqual(['INSERT', 'SELECT']);
  expect(up.historyRights).toEqual(['INSERT', 'SELECT']);
  expect(up.patientRights).toEqual(['INSERT', 'SELECT', 'UPDATE']);
  expect(up.historyForeignKey).toEqual(['rr']); // ON DELETE RESTRICT, ON UPDATE RESTRICT

  await revertAll(database.adminUrl);
  expect(await inventory()).toEqual({
    tables: ['mikro_orm_migrations'],
    functions: [],
    triggers: [],
    auditRights: [],
    historyRights: [],
    patientRights: [],
    historyForeignKey: [],
  });

  await migrateAll(database.adminUrl);
  expect(await inventory()).toEqual(up);
});

test('search_terms folds a name into its parts, joined and transliterated forms, and is IMMUTABLE (so it can be stored)', async () => {
  const { rows } = await withClient(database.adminUrl, (client) =>
    client.query(
      "SELECT patients.search_terms('Mary-Ann', 'van Dijk') AS joined, patients.search_terms('Seán', 'O''Donnell') AS apostrophe, patients.search_terms('Hans', 'Bäumer') AS umlaut, patients.search_name_length('Mary-Ann', 'van Dijk') AS letters, p.provolatile AS volatility FROM pg_proc p WHERE p.proname = 'search_terms'",
    ),
  );
  expect(rows).toEqual([
    {
      joined: ['mary', 'ann', '~maryann', 'van', 'dijk', '~vandijk'],
      apostrophe: ['sean', 'odonnell', 'donnell'],
      umlaut: ['hans', 'baumer', '~baeumer'],
      letters: 14,
      volatility: 'i',
    },
  ]);
});

test('search_normalize folds case and accents, and is IMMUTABLE (so it can be indexed)', async () => {
  const { rows } = await withClient(database.adminUrl, (client) =>
    client.query(
      "SELECT patients.search_normalize('João MÜLLER Ibáñez') AS folded, p.provolatile AS volatility FROM pg_proc p WHERE p.proname = 'search_normalize'",
    ),
  );
  expect(rows).toEqual([{ folded: 'joao muller ibanez', volatility: 'i' }]);
});
