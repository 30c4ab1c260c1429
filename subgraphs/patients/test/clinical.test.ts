/**
 * The clinical record (issue 15) through the patients subgraph: import of Synthea-shaped Bundles
 * (per-type counts, idempotency, versions, references), every read and its FHIR validity, status
 * semantics, the summary and `everything`, the condition filter, audit rows, archive and the
 * statements a request costs.
 */
import { withClient } from '@healthsync/orm/database';
import { createTestDatabase, type TestDatabase } from '@healthsync/orm/testing';
import { syntheaPeople } from '../scripts/synthea-fixtures.js';
import { CLINICAL_TYPES } from '../src/clinical/types.js';
import { fhirSchemaErrors } from './fhir-schema.js';
import { createPatientsHarness, type PatientsHarness, type TestCaller } from './harness.js';

let database: TestDatabase;
let harness: PatientsHarness;
let clinician: TestCaller;
let viewer: TestCaller;
let admin: TestCaller;
beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createPatientsHarness(database);
  [clinician, viewer, admin] = await Promise.all([
    harness.caller('CLINICIAN'),
    harness.caller('VIEWER'),
    harness.caller('ADMIN'),
  ]);
});
afterAll(async () => {
  await harness.stop();
  await database.drop();
});

const IMPORT = `mutation Import($resources: JSON!) {
  importPatients(resources: $resources) {
    created updated unchanged failed { index message }
    resources { resourceType created updated unchanged failed skipped }
  }
}`;

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the operation asked for
type Any = any;

async function importAs(resources: unknown, by: TestCaller = clinician): Promise<Any> {
  const result = await harness.execute(IMPORT, { resources }, by);
  expect(result.errors).toBeUndefined();
  return result.data?.importPatients;
}

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.adminUrl, async (client) => (await client.query(text, params)).rows as T[]);

/** The counts of `type` in an ImportResult. */
const countsOf = (result: Any, type: string) =>
  result.resources.find((counts: { resourceType: string }) => counts.resourceType === type);

const bundleTypes = (bundle: Any) => {
  const counts: Record<string, number> = {};
  for (const { resource } of bundle.entry) counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
  return counts;
};

const patientIdOf = async (syntheaId: string) =>
  (
    await sql<{ id: string }>(
      `SELECT patient_id AS id FROM patients.patient_identifier WHERE system = 'https://github.com/synthetichealth/synthea' AND value = $1`,
      [syntheaId],
    )
  )[0]?.id as string;

const [alice, bob] = [...syntheaPeople(15, 2, { encounters: [6, 8] })];
const RECORD = `query Record($id: ID!) { patient(id: $id) {
  conditions { id code { system code display } clinicalStatus active onsetAt abatedAt version lastUpdated fhir }
  active: conditions(activeOnly: true) { id }
  medications { id medication { code display } status active dosage fhir }
  activeMedications: medications(activeOnly: true) { id }
  allergies { id code { code display } category criticality fhir }
  immunizations { id vaccine { system code } status occurredAt fhir }
  procedures { id code { code } status performedAt fhir }
  encounters(first: 100) { edges { node { id class status type { code } period { start end } fhir } } }
  observations(first: 100) { edges { node { id code { code } category value { value unit } valueText components { code { code } value { value } } effectiveAt fhir } } pageInfo { hasNextPage } }
} }`;

describe('import of a Synthea Bundle', () => {
  test('every modelled type is created with its patient; unmodelled types are skipped, never failed', async () => {
    const types = bundleTypes(alice!.bundle);
    const result = await importAs(alice!.bundle);
    expect(result.failed).toEqual([]);
    expect(result.created).toBe(1);
    for (const type of ['Encounter', 'Condition', 'Observation', 'MedicationRequest', 'Immunization', 'Procedure'])
      expect([type, countsOf(result, type)]).toEqual([
        type,
        { resourceType: type, created: types[type], updated: 0, unchanged: 0, failed: 0, skipped: 0 },
      ]);
    for (const type of ['Claim', 'ExplanationOfBenefit', 'Provenance', 'Organization', 'Practitioner', 'Location'])
      expect([type, countsOf(result, type)]).toEqual([
        type,
        { resourceType: type, created: 0, updated: 0, unchanged: 0, failed: 0, skipped: types[type] },
      ]);
    expect(result.resources[0]).toMatchObject({ resourceType: 'Patient', created: 1 });
  });

  test('the same Bundle again changes nothing: every resource unchanged, versions stay 1', async () => {
    const result = await importAs(alice!.bundle);
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 1, failed: [] });
    for (const counts of result.resources)
      expect([counts.resourceType, counts.created + counts.updated + counts.failed]).toEqual([counts.resourceType, 0]);
    const [row] = await sql<{ max: number }>('SELECT max(version) AS max FROM patients.observation');
    expect(row?.max).toBe(1);
  });

  test('a changed resource is updated and its version bumped; meta.versionId and lastUpdated follow', async () => {
    const bundle = structuredClone(alice!.bundle) as Any;
    const entry = bundle.entry.find((e: Any) => e.resource.resourceType === 'Observation' && e.resource.valueQuantity);
    entry.resource.valueQuantity.value = 999.5;
    const before = (
      await sql<{ last_updated: Date }>('SELECT last_updated FROM patients.observation WHERE id = $1', [
        entry.resource.id,
      ])
    )[0];
    const result = await importAs(bundle);
    expect(countsOf(result, 'Observation')).toMatchObject({
      updated: 1,
      unchanged: countsOf(result, 'Observation').unchanged,
    });
    expect(countsOf(result, 'Observation').updated).toBe(1);
    const [row] = await sql<{ version: number; value: number; last_updated: Date }>(
      'SELECT version, value, last_updated FROM patients.observation WHERE id = $1',
      [entry.resource.id],
    );
    expect(row).toMatchObject({ version: 2, value: 999.5 });
    expect(row!.last_updated.getTime()).toBeGreaterThan(before!.last_updated.getTime());
  });

  test('urn:uuid references are resolved: the patient, the encounter, other resources of the Bundle', async () => {
    const patientId = await patientIdOf(alice!.bundle && ((alice!.bundle as Any).entry[0].resource.id as string));
    const rows = await sql<{ resource: Any; encounter_id: string | null }>(
      'SELECT resource, encounter_id FROM patients.medication_request WHERE patient_id = $1',
      [patientId],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const { resource, encounter_id } of rows) {
      expect(resource.subject.reference).toBe(`Patient/${patientId}`);
      expect(resource.encounter.reference).toBe(`Encounter/${encounter_id}`);
      // The requester is a conditional reference to a Practitioner we do not hold: dropped, display kept.
      expect(resource.requester).toEqual({ display: expect.stringMatching(/^Dr\. /) });
      for (const reason of resource.reasonReference ?? [])
        expect(reason.reference).toMatch(/^Condition\/[0-9a-f-]{36}$/);
    }
  });
});

describe('reading the record', () => {
  let patientId: string;
  let record: Any;
  beforeAll(async () => {
    patientId = await patientIdOf((alice!.bundle as Any).entry[0].resource.id);
    const result = await harness.execute(RECORD, { id: patientId }, viewer);
    expect(result.errors).toBeUndefined();
    record = result.data?.patient;
  });

  test('every resource of every type validates against the FHIR R4 schema and names its patient as Patient/<id>', () => {
    const all = [
      ...record.conditions,
      ...record.medications,
      ...record.allergies,
      ...record.immunizations,
      ...record.procedures,
      ...record.encounters.edges.map((edge: Any) => edge.node),
      ...record.observations.edges.map((edge: Any) => edge.node),
    ];
    expect(new Set(all.map((node) => node.fhir.resourceType)).size).toBeGreaterThanOrEqual(6);
    for (const { fhir } of all) {
      expect([fhir.resourceType, fhir.id, fhirSchemaErrors(fhir, fhir.resourceType)]).toEqual([
        fhir.resourceType,
        fhir.id,
        [],
      ]);
      expect((fhir.subject ?? fhir.patient).reference).toBe(`Patient/${patientId}`);
      expect(fhir.meta).toMatchObject({ versionId: expect.stringMatching(/^\d+$/), lastUpdated: expect.any(String) });
    }
  });

  test('the schema check of clinical types is not a rubber stamp', () => {
    expect(fhirSchemaErrors({ resourceType: 'Observation', status: 'done', code: {} }, 'Observation')).not.toEqual([]);
  });

  test('observations newest first, a blood pressure panel with its components, coded and numeric values', () => {
    const nodes = record.observations.edges.map((edge: Any) => edge.node);
    const times = nodes.map((node: Any) => new Date(node.effectiveAt).toISOString());
    expect([...times].sort().reverse()).toEqual(times);
    const pressure = nodes.find((node: Any) => node.code.code === '85354-9');
    expect(pressure.components.map((c: Any) => c.code.code).sort()).toEqual(['8462-4', '8480-6']);
    expect(pressure.components[0].value.value).toEqual(expect.any(Number));
    expect(nodes.find((node: Any) => node.code.code === '72166-2').valueText).toMatch(/smoke/i);
    expect(nodes.find((node: Any) => node.code.code === '8302-2').value).toMatchObject({
      unit: 'cm',
      value: expect.any(Number),
    });
  });

  test('status semantics: resolved or abated conditions and stopped medications are not active', () => {
    for (const condition of record.conditions)
      expect([condition.id, condition.active]).toEqual([
        condition.id,
        condition.clinicalStatus === 'active' && !condition.abatedAt,
      ]);
    expect(record.active.map((c: Any) => c.id).sort()).toEqual(
      record.conditions
        .filter((c: Any) => c.active)
        .map((c: Any) => c.id)
        .sort(),
    );
    expect(record.activeMedications.map((m: Any) => m.id).sort()).toEqual(
      record.medications
        .filter((m: Any) => m.status === 'active')
        .map((m: Any) => m.id)
        .sort(),
    );
  });

  test('observations filter by code (or system|code), category and time, and page with cursors', async () => {
    const PAGE = `query Page($id: ID!, $code: String, $category: String, $from: DateTime, $first: Int, $after: String) {
      patient(id: $id) { observations(code: $code, category: $category, from: $from, first: $first, after: $after) {
        edges { node { id code { code } category effectiveAt } } pageInfo { hasNextPage endCursor } } } }`;
    const all = record.observations.edges.map((edge: Any) => edge.node);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: Any = await harness.execute(PAGE, { id: patientId, first: 7, after }, viewer);
      const page = result.data.patient.observations;
      seen.push(...page.edges.map((edge: Any) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((node: Any) => node.id));

    const heights = (
      await harness.execute(PAGE, { id: patientId, code: 'http://loinc.org|8302-2', first: 100 }, viewer)
    ).data?.patient.observations.edges;
    expect(heights.length).toBe(all.filter((node: Any) => node.code.code === '8302-2').length);
    const labs = (await harness.execute(PAGE, { id: patientId, category: 'laboratory', first: 100 }, viewer)).data
      ?.patient.observations.edges;
    expect(labs.every((edge: Any) => edge.node.category === 'laboratory')).toBe(true);
    const from = all[2].effectiveAt;
    const recent = (await harness.execute(PAGE, { id: patientId, from, first: 100 }, viewer)).data?.patient.observations
      .edges;
    expect(recent.length).toBe(all.filter((node: Any) => node.effectiveAt >= from).length);

    const bad = await harness.execute(PAGE, { id: patientId, first: 101 }, viewer);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await harness.execute(PAGE, { id: patientId, after: 'nonsense' }, viewer);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('summary: active conditions and medications, allergies, the latest of each vital sign, the last encounter', async () => {
    const result = await harness.execute(
      `query Summary($id: ID!) { patient(id: $id) { summary {
        activeConditions { id } activeMedications { id } allergies { id }
        latestVitals { code { code } effectiveAt value { value } components { code { code } } }
        lastEncounter { id period { start } }
      } } }`,
      { id: patientId },
      viewer,
    );
    expect(result.errors).toBeUndefined();
    const summary = result.data?.patient.summary;
    expect(summary.activeConditions.map((c: Any) => c.id).sort()).toEqual(record.active.map((c: Any) => c.id).sort());
    expect(summary.activeMedications.map((m: Any) => m.id).sort()).toEqual(
      record.activeMedications.map((m: Any) => m.id).sort(),
    );
    expect(summary.allergies).toHaveLength(record.allergies.length);
    expect(summary.lastEncounter.id).toBe(record.encounters.edges[0].node.id);
    const codes = summary.latestVitals.map((vital: Any) => vital.code.code).sort();
    expect(codes).toEqual(['29463-7', '39156-5', '72514-3', '8302-2', '85354-9', '8867-4', '9279-1']);
    const latestHeight = record.observations.edges.map((e: Any) => e.node).find((n: Any) => n.code.code === '8302-2');
    expect(summary.latestVitals.find((v: Any) => v.code.code === '8302-2')).toMatchObject({
      effectiveAt: latestHeight.effectiveAt,
      value: { value: latestHeight.value.value },
    });
  });

  test('the summary gives each resource as its own list does (fields, dates, fhir)', async () => {
    const fields = 'id version lastUpdated fhir';
    const result = await harness.execute(
      `query SummaryAndLists($id: ID!) { patient(id: $id) {
        summary {
          activeConditions { ${fields} code { system code display } clinicalStatus onsetAt abatedAt recordedAt }
          activeMedications { ${fields} medication { code } status authoredAt dosage }
          allergies { ${fields} code { code } criticality recordedAt }
          latestVitals { ${fields} code { code } value { value unit } components { code { code } value { value } } effectiveAt }
          lastEncounter { ${fields} class type { code } period { start end } }
        }
        conditions(activeOnly: true) { ${fields} code { system code display } clinicalStatus onsetAt abatedAt recordedAt }
        medications(activeOnly: true) { ${fields} medication { code } status authoredAt dosage }
        allergies { ${fields} code { code } criticality recordedAt }
        observations(category: "vital-signs", first: 100) { edges { node { ${fields} code { code } value { value unit } components { code { code } value { value } } effectiveAt } } }
        encounters(first: 1) { edges { node { ${fields} class type { code } period { start end } } } }
      } }`,
      { id: patientId },
      viewer,
    );
    expect(result.errors).toBeUndefined();
    const { summary, conditions, medications, allergies, observations, encounters } = (result.data as Any).patient;
    const byId = (items: Any[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(summary.activeConditions)).toEqual(byId(conditions));
    expect(byId(summary.activeMedications)).toEqual(byId(medications));
    expect(byId(summary.allergies)).toEqual(byId(allergies));
    expect(summary.lastEncounter).toEqual(encounters.edges[0].node);
    // Newest first: the first of each code in the page is its latest.
    const latest = new Map<string, Any>();
    for (const { node } of observations.edges) if (!latest.has(node.code.code)) latest.set(node.code.code, node);
    expect(summary.latestVitals.length).toBeGreaterThan(0);
    for (const vital of summary.latestVitals) expect(vital).toEqual(latest.get(vital.code.code));
  });

  test('everything: a searchset Bundle of the patient and every resource, valid against FHIR R4', async () => {
    const result = await harness.execute(
      'query All($id: ID!) { patient(id: $id) { everything } }',
      { id: patientId },
      viewer,
    );
    const bundle = result.data?.patient.everything;
    expect(fhirSchemaErrors(bundle, 'Bundle')).toEqual([]);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(bundle.entry[0].resource).toMatchObject({ resourceType: 'Patient', id: patientId });
    const modelled = Object.entries(bundleTypes(alice!.bundle)).filter(([type]) =>
      ['Patient', ...CLINICAL_TYPES].includes(type as never),
    );
    expect(bundleTypes(bundle)).toEqual(Object.fromEntries(modelled));

    const later = await harness.execute(
      'query Since($id: ID!, $since: DateTime) { patient(id: $id) { everything(since: $since) } }',
      { id: patientId, since: new Date(Date.now() + 60_000).toISOString() },
      viewer,
    );
    expect(later.data?.patient.everything).toMatchObject({ total: 0, entry: [] });
  });

  test('every read writes an audit row naming its resource type; summary and everything too', async () => {
    await harness.execute(
      'query Audited($id: ID!) { patient(id: $id) { conditions { id } summary { lastEncounter { id } } everything } }',
      { id: patientId },
      viewer,
    );
    const rows = await sql<{ action: string; resource_type: string; outcome: string; patient_id: string }>(
      'SELECT action, resource_type, outcome, patient_id FROM patients.audit_event WHERE request_id = $1',
      [harness.lastRequestId()],
    );
    const types = rows.map((row) => row.resource_type).sort();
    expect(types).toEqual(
      [
        'Patient', // patient(id)
        'Condition', // conditions
        ...['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Observation', 'Encounter'], // summary
        ...['Patient', ...CLINICAL_TYPES], // everything
      ].sort(),
    );
    expect(
      rows.every((row) => row.action === 'READ' && row.outcome === 'SUCCESS' && row.patient_id === patientId),
    ).toBe(true);
  });
});

describe('references, failures and rules', () => {
  test('Patient/<id> and Patient?identifier=system|value name stored patients; unknown ones fail by index', async () => {
    const { id, mrn } = await harness.createTestPatient(
      { identifiers: [{ system: 'urn:test:ref', value: 'r-1' }] },
      clinician,
    );
    const condition = (cid: string, reference: string, extra: Record<string, unknown> = {}) => ({
      resourceType: 'Condition',
      id: cid,
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }] },
      subject: { reference },
      ...extra,
    });
    const result = await importAs([
      condition('ref-by-id', `Patient/${id}`),
      condition('ref-by-identifier', 'Patient?identifier=urn:test:ref|r-1'),
      condition('ref-by-mrn', `Patient?identifier=urn:healthsync:mrn|${mrn.toLowerCase()}`),
      condition('ref-unknown', 'Patient/00000000-0000-4000-8000-000000000000'),
      condition('ref-urn', 'urn:uuid:00000000-0000-4000-8000-000000000001'),
      condition('no-code', `Patient/${id}`, { code: { text: 'high blood pressure' } }),
      condition('bad-date', `Patient/${id}`, { onsetDateTime: '2021-02-30' }),
      { resourceType: 'Claim', status: 'active' },
    ]);
    expect(countsOf(result, 'Condition')).toMatchObject({ created: 3, failed: 4 });
    expect(countsOf(result, 'Claim')).toMatchObject({ skipped: 1 });
    expect(result.failed).toEqual([
      { index: 3, message: expect.stringMatching(/no patient matches Patient\/0000/) },
      { index: 4, message: expect.stringMatching(/is not a Patient entry of this Bundle/) },
      { index: 5, message: 'Condition.code needs a coding with a code' },
      { index: 6, message: expect.stringMatching(/^Condition.onsetDateTime is not a real date/) },
    ]);
    const owners = await sql<{ patient_id: string }>(
      "SELECT DISTINCT patient_id FROM patients.condition WHERE id LIKE 'ref-by-%'",
    );
    expect(owners).toEqual([{ patient_id: id }]);

    // The same id for another patient is refused, never moved.
    const other = await harness.createTestPatient({}, clinician);
    const moved = await importAs(condition('ref-by-id', `Patient/${other.id}`));
    expect(moved.failed).toEqual([{ index: 0, message: expect.stringMatching(/belongs to another patient/) }]);
  });

  test('status semantics read from FHIR: clinicalStatus resolved/inactive/remission or an abatement make a condition inactive', async () => {
    const { id } = await harness.createTestPatient({}, clinician);
    const condition = (cid: string, extra: Record<string, unknown>) => ({
      resourceType: 'Condition',
      id: cid,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }] },
      subject: { reference: `Patient/${id}` },
      ...extra,
    });
    const status = (code: string) => ({ clinicalStatus: { coding: [{ code }] } });
    await importAs([
      condition('st-active', status('active')),
      condition('st-recurrence', status('recurrence')),
      condition('st-none', {}),
      condition('st-resolved', status('resolved')),
      condition('st-inactive', status('inactive')),
      condition('st-remission', status('remission')),
      condition('st-abated', { ...status('active'), abatementString: 'in childhood' }),
      {
        resourceType: 'MedicationRequest',
        id: 'st-med-active',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${id}` },
        medicationCodeableConcept: { coding: [{ code: '745679' }] },
      },
      {
        resourceType: 'MedicationRequest',
        id: 'st-med-done',
        status: 'completed',
        intent: 'order',
        subject: { reference: `Patient/${id}` },
        medicationCodeableConcept: { coding: [{ code: '745679' }] },
      },
    ]);
    const result = await harness.execute(
      'query S($id: ID!) { patient(id: $id) { conditions(activeOnly: true) { id } medications(activeOnly: true) { id } } }',
      { id },
      viewer,
    );
    expect(result.data?.patient.conditions.map((c: Any) => c.id).sort()).toEqual([
      'st-active',
      'st-none',
      'st-recurrence',
    ]);
    expect(result.data?.patient.medications.map((m: Any) => m.id)).toEqual(['st-med-active']);
  });

  test('VIEWER reads but may not import; an archived patient’s record is hidden with them, except from an ADMIN', async () => {
    const refused = await harness.execute(IMPORT, { resources: bob!.bundle }, viewer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await importAs(bob!.bundle);
    const id = await patientIdOf((bob!.bundle as Any).entry[0].resource.id);
    await harness.execute('mutation A($id: ID!) { archivePatient(id: $id) { id } }', { id }, clinician);
    const READ = 'query R($id: ID!) { patient(id: $id) { conditions { id } summary { activeConditions { id } } } }';
    expect((await harness.execute(READ, { id }, clinician)).data?.patient).toBeNull();
    const listed = await harness.execute(
      'query { patients(first: 100) { edges { node { id conditions { id } } } } }',
      {},
      clinician,
    );
    expect(listed.data?.patients.edges.map((edge: Any) => edge.node.id)).not.toContain(id);
    const seen = await harness.execute(READ, { id }, admin);
    expect(seen.data?.patient.conditions.length).toBeGreaterThan(0);
    // Resources sent for an archived patient are refused, not attached.
    const onArchived = await importAs({ ...(bob!.bundle as Any), entry: (bob!.bundle as Any).entry.slice(1) });
    expect(countsOf(onArchived, 'Encounter')).toMatchObject({ created: 0, updated: 0, unchanged: 0 });
    await harness.execute('mutation R($id: ID!) { restorePatient(id: $id) { id } }', { id }, admin);
  });
});

describe('patients(filter: { condition })', () => {
  const FIND = `query Find($condition: String, $gender: Gender, $first: Int, $after: String) {
    patients(filter: { condition: $condition, gender: $gender }, first: $first, after: $after) {
      edges { node { id gender conditions(activeOnly: true) { code { code display } } } } pageInfo { hasNextPage endCursor } totalCount } }`;

  beforeAll(async () => {
    for (const person of syntheaPeople(16, 6, { encounters: [3, 4] })) await importAs(person.bundle);
  });

  const expected = async (where: string, params: unknown[]) =>
    (
      await sql<{ id: string }>(
        `SELECT DISTINCT p.id FROM patients.patient p JOIN patients.condition c ON c.patient_id = p.id WHERE p.active AND c.active AND ${where}`,
        params,
      )
    )
      .map((row) => row.id)
      .sort();

  test('by code, by system|code and by display text (case- and accent-insensitive), combinable and paged', async () => {
    const [common] = await sql<{ code: string; display: string }>(
      'SELECT code, min(display) AS display FROM patients.condition WHERE active GROUP BY code ORDER BY count(DISTINCT patient_id) DESC LIMIT 1',
    );
    const byCode = await harness.execute(FIND, { condition: common!.code, first: 100 }, viewer);
    const ids = byCode.data?.patients.edges.map((edge: Any) => edge.node.id).sort();
    expect(ids).toEqual(await expected('c.code = $1', [common!.code]));
    expect(ids.length).toBeGreaterThan(0);
    expect(byCode.data?.patients.totalCount).toBe(ids.length);
    for (const edge of byCode.data?.patients.edges ?? [])
      expect(edge.node.conditions.map((c: Any) => c.code.code)).toContain(common!.code);

    const bySystem = await harness.execute(
      FIND,
      { condition: `http://snomed.info/sct|${common!.code}`, first: 100 },
      viewer,
    );
    expect(bySystem.data?.patients.edges.map((edge: Any) => edge.node.id).sort()).toEqual(ids);

    const word = common!.display.split(' ')[0]!;
    const shouted = word.toUpperCase().replace(/E/g, 'É');
    const byText = await harness.execute(FIND, { condition: shouted, first: 100 }, viewer);
    expect(byText.data?.patients.edges.map((edge: Any) => edge.node.id).sort()).toEqual(
      await expected('lower(c.display) LIKE $1', [`%${word.toLowerCase()}%`]),
    );

    const female = await harness.execute(FIND, { condition: common!.code, gender: 'FEMALE', first: 100 }, viewer);
    for (const edge of female.data?.patients.edges ?? []) expect(edge.node.gender).toBe('FEMALE');

    const first = await harness.execute(FIND, { condition: common!.code, first: 1 }, viewer);
    if (ids.length > 1) {
      expect(first.data?.patients.pageInfo.hasNextPage).toBe(true);
      const next = await harness.execute(
        FIND,
        { condition: common!.code, first: 100, after: first.data?.patients.pageInfo.endCursor },
        viewer,
      );
      expect(
        [
          first.data?.patients.edges[0].node.id,
          ...(next.data?.patients.edges ?? []).map((edge: Any) => edge.node.id),
        ].sort(),
      ).toEqual(ids);
    }
    const none = await harness.execute(FIND, { condition: 'no such illness', first: 100 }, viewer);
    expect(none.data?.patients.edges).toEqual([]);
  });
});

describe('statements per request (N+1 is a bug)', () => {
  const PAGE = `query Page($first: Int) { patients(first: $first) { edges { node { id conditions(activeOnly: true) { id code { code } } } } } }`;

  test('a page of 1 or 20 patients with their active conditions costs the same statements', async () => {
    for (const person of syntheaPeople(17, 14, { encounters: [2, 3] })) await importAs(person.bundle);
    const counts: number[] = [];
    for (const first of [1, 20]) {
      harness.statements.length = 0;
      const result = await harness.execute(PAGE, { first }, viewer);
      expect(result.errors).toBeUndefined();
      expect(result.data?.patients.edges).toHaveLength(first);
      counts.push(harness.statements.length);
    }
    // The page, the conditions of all its patients, and one insert of every audit row (SEARCH and READ).
    expect(counts).toEqual([3, 3]);
  });

  test('the summary costs the same statements for a short record and a long one', async () => {
    const [short, long] = [...syntheaPeople(18, 2, { encounters: [2, 2] })].map((person, i) =>
      i === 0 ? person : [...syntheaPeople(19, 1, { encounters: [30, 30] })][0]!,
    );
    const counts: number[] = [];
    for (const person of [short!, long!]) {
      await importAs(person.bundle);
      const id = await patientIdOf((person.bundle as Any).entry[0].resource.id);
      harness.statements.length = 0;
      const result = await harness.execute(
        `query Summary($id: ID!) { patient(id: $id) { summary {
          activeConditions { id } activeMedications { id } allergies { id } latestVitals { id } lastEncounter { id } } } }`,
        { id },
        viewer,
      );
      expect(result.errors).toBeUndefined();
      counts.push(harness.statements.length);
    }
    // The patient, one statement for the five parts of the summary, and one insert of every audit row.
    expect(counts).toEqual([3, 3]);
  });
});
