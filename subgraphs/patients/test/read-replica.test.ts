/**
 * DATABASE_REPLICA_URLS against a real streaming standby (pg_basebackup -R of a real primary, the
 * machine's PostgreSQL 15 for both): lists, searches and the clinical record read there; a
 * mutation's answer and a read by id see the caller's write whatever the standby's lag.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createLogger } from '@healthsync/orm';
import { migrateAll, provisionDatabase, replicaReads, subgraphDatabaseUrl } from '@healthsync/orm/database';
import { type StreamingPair, startStreamingPair, testTokenIssuer } from '@healthsync/orm/testing';
import pg from 'pg';
import { createPatientsContext } from '../src/context.js';
import { loadPatientsConfig } from '../src/environment.js';
import { createPatientsApollo, createPatientsServices, initPatientsOrm } from '../src/server.js';

let pair: StreamingPair;
let orm: MikroORM;
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the operation asked for
type Data = Record<string, any>;
let execute: (query: string, variables?: Record<string, unknown>) => Promise<Data>;
/** Every SQL statement with the connection MikroORM ran it on ("via read connection 'replica-1'"). */
const statements: string[] = [];

beforeAll(async () => {
  pair = await startStreamingPair('healthsync');
  const password = 'replica-test-password';
  await provisionDatabase(pair.primaryUrl, { patients: password, users: password });
  await migrateAll(pair.primaryUrl);
  await pair.caughtUp();
  const config = loadPatientsConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PATIENTS_DATABASE_URL: subgraphDatabaseUrl(pair.primaryUrl, 'patients', password),
    // Host and port only: the role, its password and the database are the primary's.
    DATABASE_REPLICA_URLS: `postgres://${new URL(pair.standbyUrl).host}`,
  });
  const issuer = await testTokenIssuer();
  const services = createPatientsServices(config, { verifyAccessToken: issuer.verifier });
  orm = await initPatientsOrm(config, (sql) => statements.push(sql));
  const logger = createLogger('patients', 'silent');
  const apollo = createPatientsApollo(config, logger);
  await apollo.start();
  const token = await issuer.sign({ userId: randomUUID(), role: 'CLINICIAN' });
  execute = async (query, variables = {}) => {
    const contextValue = await createPatientsContext(
      { req: { headers: { authorization: `Bearer ${token}` } }, res: {}, requestId: randomUUID(), logger } as never,
      orm.em.fork(),
      services,
    );
    const response = await apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    const { data, errors } = response.body.singleResult;
    expect(errors).toBeUndefined();
    return data as Data;
  };
}, 90_000);

afterAll(async () => {
  await orm?.close();
  await pair?.stop();
});

/** What ran while `work` did, and on which connection. */
async function statementsOf(work: () => Promise<unknown>) {
  const from = statements.length;
  await work();
  const ran = statements.slice(from).filter((sql) => /\bselect\b/i.test(sql));
  return {
    onReplica: ran.filter((sql) => sql.includes("via read connection 'replica-1'")),
    onPrimary: ran.filter((sql) => sql.includes('via write connection')),
  };
}

const CREATE = `mutation ($input: CreatePatientInput!) {
  createPatient(input: $input) { id familyName version summary { activeConditions { id } } }
}`;
const SEARCH = `query ($search: String!) {
  patients(filter: { search: $search }) { totalCount edges { node { id familyName } } }
}`;
const BY_ID = `query ($id: ID!) { patient(id: $id) { id familyName } }`;

describe('a streaming read replica', () => {
  it('is what the replica connection reaches: a server in recovery, fed by the primary', async () => {
    const em = orm.em.fork();
    const recovery = 'SELECT pg_is_in_recovery() AS standby';
    expect(await replicaReads(em).em.execute(recovery)).toEqual([{ standby: true }]);
    expect(await em.execute(recovery)).toEqual([{ standby: false }]);
    const routed = replicaReads(em);
    routed.usePrimary();
    expect(await routed.em.execute(recovery)).toEqual([{ standby: false }]);
    const primary = new pg.Client({ connectionString: pair.primaryUrl });
    await primary.connect();
    const { rows } = await primary.query("SELECT state FROM pg_stat_replication WHERE state = 'streaming'");
    await primary.end();
    expect(rows).toEqual([{ state: 'streaming' }]);
  });

  it('serves lists and searches (and their counts) from the standby', async () => {
    const familyName = `Replicated${randomUUID().slice(0, 8).replace(/\d/g, 'x')}`;
    const created = (await execute(CREATE, { input: { givenName: 'Ada', familyName } })).createPatient;
    await pair.caughtUp();
    const { onReplica } = await statementsOf(async () => {
      const { patients } = await execute(SEARCH, { search: familyName });
      expect(patients.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([created.id]);
      expect(patients.totalCount).toBe(1);
    });
    expect(onReplica.length).toBeGreaterThanOrEqual(2);
    // The standby itself saw the patients role's query.
    const standby = new pg.Client({ connectionString: pair.standbyUrl });
    await standby.connect();
    const { rows } = await standby.query(
      "SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE usename = 'healthsync_patients' AND query ILIKE '%patient%'",
    );
    await standby.end();
    expect(rows[0].sessions).toBeGreaterThanOrEqual(1);
  });

  it('never lets the lag hide the caller’s own write: the mutation answer and reads by id use the primary', async () => {
    await pair.pauseReplay();
    try {
      const familyName = `Lagging${randomUUID().slice(0, 8).replace(/\d/g, 'x')}`;
      let created: { id: string; familyName: string; summary: unknown } | undefined;
      const mutation = await statementsOf(async () => {
        created = (await execute(CREATE, { input: { givenName: 'Grace', familyName } })).createPatient;
      });
      expect(created?.familyName).toBe(familyName);
      expect(created?.summary).toEqual({ activeConditions: [] });
      // Everything the mutation read (its summary included) came from the primary.
      expect(mutation.onReplica).toEqual([]);
      expect(mutation.onPrimary.length).toBeGreaterThan(0);
      // A read by id right after: the primary has it.
      expect((await execute(BY_ID, { id: created?.id })).patient).toEqual({ id: created?.id, familyName });
      // A search tolerates lag: the paused standby has not replayed the new patient yet.
      expect((await execute(SEARCH, { search: familyName })).patients.totalCount).toBe(0);
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
  });
});
