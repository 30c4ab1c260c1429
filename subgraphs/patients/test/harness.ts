import { randomUUID } from 'node:crypto';
import { createLogger } from '@healthsync/orm';
import type { Role } from '@healthsync/orm/auth';
import { type TestDatabase, testTokenIssuer } from '@healthsync/orm/testing';
import { createPatientsContext } from '../src/context.js';
import { loadPatientsConfig, type PatientsConfig } from '../src/environment.js';
import { createPatientsApollo, createPatientsServices, initPatientsOrm } from '../src/server.js';

/** Patients subgraph config for a test database. */
export function testPatientsConfig(database: TestDatabase, overrides: Record<string, string> = {}): PatientsConfig {
  return loadPatientsConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    PATIENTS_DATABASE_URL: database.urls.patients,
    ...overrides,
  });
}

export interface GraphQLResult {
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the operation asked for
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** A signed-in caller: their user id and an access token from the shared test issuer. */
export interface TestCaller {
  userId: string;
  role: Role;
  token: string;
}

/**
 * An in-process patients subgraph (Apollo without HTTP) on a test database, verifying tokens of the
 * shared test issuer: `execute` runs an operation as Apollo would for a request carrying `token`.
 */
export async function createPatientsHarness(database: TestDatabase, settings: Record<string, string> = {}) {
  const config = testPatientsConfig(database, settings);
  const issuer = await testTokenIssuer();
  const services = createPatientsServices(config, { verifyAccessToken: issuer.verifier });
  const statements: string[] = [];
  const orm = await initPatientsOrm(config, (sql) => statements.push(sql));
  const logger = createLogger('patients', 'silent');
  const apollo = createPatientsApollo(config, logger);
  await apollo.start();

  let requests = 0;
  // Two harnesses on one database never share a request id (tests read audit rows by it).
  const harnessId = randomUUID().slice(0, 8);
  let patients = 0;
  const execute = async (
    query: string,
    variables: Record<string, unknown> = {},
    caller?: TestCaller | string,
  ): Promise<GraphQLResult> => {
    const token = typeof caller === 'string' ? caller : caller?.token;
    const req = { headers: token ? { authorization: `Bearer ${token}` } : {} };
    const contextValue = await createPatientsContext(
      { req, res: {}, requestId: `test-${harnessId}-${++requests}`, logger } as never,
      orm.em.fork(),
      services,
    );
    const response = await apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    return response.body.singleResult as GraphQLResult;
  };

  /** Test builder: a caller with `role` (the users subgraph is not involved: ids are made up). */
  const caller = async (role: Role = 'CLINICIAN'): Promise<TestCaller> => {
    const userId = randomUUID();
    return { userId, role, token: await issuer.sign({ userId, role }) };
  };

  const CREATE = `mutation CreatePatient($input: CreatePatientInput!) {
    createPatient(input: $input) { id mrn version givenName familyName gender birthDate active }
  }`;
  /** Test builder: a patient created through the API by `by` (a fresh CLINICIAN by default). */
  const createTestPatient = async (input: Record<string, unknown> = {}, by?: TestCaller) => {
    const result = await execute(
      CREATE,
      { input: { givenName: 'Test', familyName: `Patient${++patients}`, ...input } },
      by ?? (await caller('CLINICIAN')),
    );
    if (result.errors) throw new Error(`createTestPatient: ${JSON.stringify(result.errors)}`);
    return result.data?.createPatient as { id: string; mrn: string; version: number; [field: string]: unknown };
  };

  /** The request id of the latest `execute` (audit rows carry it). */
  const lastRequestId = () => `test-${harnessId}-${requests}`;

  const stop = async () => {
    await apollo.stop();
    await orm.close();
  };
  return { config, services, orm, statements, execute, lastRequestId, caller, createTestPatient, stop };
}
export type PatientsHarness = Awaited<ReturnType<typeof createPatientsHarness>>;
