import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccessTokenVerifier } from '@healthsync/orm/auth';
import { createRequestContext, type RequestContext, type RequestScope } from '@healthsync/orm/http';
import { executeBound, plainRowMapper, type ReplicaReads, replicaReads } from '@healthsync/orm/database';
import { isUuid } from '@healthsync/orm';
import { AuditCollector } from './audit.js';
import { type ClinicalLoaders, createClinicalLoaders } from './clinical/read.js';
import { sqlArray } from './clinical/sql-array.js';
import { Patient, PatientVersion } from './entities.js';
import type { PatientsConfig } from './environment.js';
import type { SemanticMatcher } from './nl-search/semantic.js';
import type { VocabularyCache } from './nl-search/vocabulary.js';

/** What the patients subgraph needs for a whole process: built once per server. */
export interface PatientsServices {
  config: PatientsConfig;
  verifyAccessToken: AccessTokenVerifier;
  /** Stops the revocation stream (when the server stops). */
  close(): void;
  /**
   * `each patient` (always, in a deployment): a list writes one SEARCH row per patient returned.
   * `one per request` is how lists were audited before, kept only as the benchmark's baseline
   * (scripts/bench-baseline.ts); no setting of the environment selects it.
   */
  searchAudit: 'each patient' | 'one per request';
  /** What patientSearch reads queries against (codes and places of the data), kept a few seconds. */
  searchVocabulary: VocabularyCache;
  /** patientSearch's semantic fallback (its model loaded on first use); null when NL_SEARCH_SEMANTIC=off. */
  searchSemantic: SemanticMatcher | null;
}

export interface PatientsContext extends RequestContext {
  /** A fork of the global entity manager: one unit of work per request. */
  em: EntityManager;
  loaders: {
    patientById: DataLoader<string, Patient | null>;
    historyByPatientId: DataLoader<string, PatientVersion[]>;
    /** The records merged into a patient (their `replacedById` is it), whatever the viewer may see. */
    replacesByPatientId: DataLoader<string, Patient[]>;
    clinical: ClinicalLoaders;
  };
  /**
   * Reads that tolerate replica lag (lists, searches, the clinical record: summary, export) go
   * through `reads.em` to a read replica, until the request turns out to be a mutation.
   */
  reads: ReplicaReads;
  /** Audit events outside any write transaction (reads, denials, failures): one INSERT per request. */
  audit: AuditCollector;
  services: PatientsServices;
}

/**
 * A page of patients (federation references, lists) with one SQL statement, as plain rows: a
 * patient read by id is only shown (writes load their own entity), so it skips em.map's
 * hydration and the ORM's query builder, which were most of a patient(id)'s CPU.
 */
function patientLoader(em: EntityManager) {
  const toPatient = plainRowMapper(em, Patient);
  return new DataLoader<string, Patient | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length
      ? await executeBound(em, 'SELECT * FROM patients.patient WHERE id = ANY (?::uuid[])', [sqlArray(valid)])
      : [];
    const byId = new Map(rows.map((row) => [row.id as string, toPatient(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

function historyLoader(em: EntityManager) {
  return new DataLoader<string, PatientVersion[]>(async (patientIds) => {
    const versions = await em.find(
      PatientVersion,
      { patient: { $in: [...patientIds] } },
      { orderBy: { patient: 'asc', version: 'desc' } },
    );
    const byPatient = new Map<string, PatientVersion[]>();
    for (const version of versions) {
      const list = byPatient.get(version.patient.id) ?? [];
      list.push(version);
      byPatient.set(version.patient.id, list);
    }
    return patientIds.map((id) => byPatient.get(id) ?? []);
  });
}

function replacesLoader(em: EntityManager) {
  return new DataLoader<string, Patient[]>(async (targetIds) => {
    const sources = await em.find(Patient, { replacedById: { $in: [...targetIds] } }, { orderBy: { id: 'asc' } });
    return targetIds.map((id) => sources.filter((source) => source.replacedById === id));
  });
}

/**
 * A request's loaders, each made on its first use: a request uses one of them or none, and the
 * clinical record's alone are ten DataLoaders. (Lazy here, not on the context: Apollo copies the
 * context with Object.assign, which would run a getter there.)
 */
class PatientLoaders implements Readonly<PatientsContext['loaders']> {
  #patientById?: PatientsContext['loaders']['patientById'];
  #historyByPatientId?: PatientsContext['loaders']['historyByPatientId'];
  #replacesByPatientId?: PatientsContext['loaders']['replacesByPatientId'];
  #clinical?: ClinicalLoaders;

  constructor(
    private readonly em: EntityManager,
    private readonly reads: ReplicaReads,
  ) {}

  /** A patient by id is what a client reads right after writing it: the primary. */
  get patientById() {
    this.#patientById ??= patientLoader(this.em);
    return this.#patientById;
  }

  get historyByPatientId() {
    this.#historyByPatientId ??= historyLoader(this.em);
    return this.#historyByPatientId;
  }

  get replacesByPatientId() {
    this.#replacesByPatientId ??= replacesLoader(this.em);
    return this.#replacesByPatientId;
  }

  get clinical() {
    this.#clinical ??= createClinicalLoaders(this.reads.em);
    return this.#clinical;
  }
}

export async function createPatientsContext(
  scope: RequestScope,
  em: EntityManager,
  services: PatientsServices,
): Promise<PatientsContext> {
  const reads = replicaReads(em);
  return {
    ...(await createRequestContext(scope, services.verifyAccessToken)),
    em,
    reads,
    loaders: new PatientLoaders(em, reads),
    audit: new AuditCollector(em),
    services,
  };
}
