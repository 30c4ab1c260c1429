import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type AccessTokenVerifier,
  createRequestContext,
  isUuid,
  type RequestContext,
  type RequestScope,
  type ReplicaReads,
  replicaReads,
} from '@healthsync/orm';
import { AuditCollector } from './audit.js';
import { type ClinicalLoaders, createClinicalLoaders } from './clinical/read.js';
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

/** A page of patients (federation references, lists) with one SQL statement. */
function patientLoader(em: EntityManager) {
  return new DataLoader<string, Patient | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const patients = valid.length ? await em.find(Patient, { id: { $in: valid } }) : [];
    const byId = new Map(patients.map((patient) => [patient.id, patient]));
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
    loaders: {
      // A patient by id is what a client reads right after writing it: the primary.
      patientById: patientLoader(em),
      historyByPatientId: historyLoader(em),
      replacesByPatientId: replacesLoader(em),
      clinical: createClinicalLoaders(reads.em),
    },
    audit: new AuditCollector(em),
    services,
  };
}
