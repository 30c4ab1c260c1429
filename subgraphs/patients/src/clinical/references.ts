import { isUuid } from '@healthsync/orm';
/**
 * References of imported clinical resources, resolved once at import: the patient (a Bundle's
 * `urn:uuid:` fullUrl, `Patient/<id>`, or the conditional `Patient?identifier=system|value`), the
 * encounter (`urn:uuid:` of the same call or `Encounter/<id>`), and every other reference: to a
 * resource of the call it becomes `<Type>/<id>`; to one we do not hold (a Practitioner, an
 * Organization, a conditional reference) it is dropped and its `display`, if any, kept.
 */
import { type ClinicalDraft, isObject, patientElementOf } from './fhir-in.js';
import type { ClinicalWrite } from './write.js';

/** Where a clinical resource's patient is: a Patient entry of the call, or one already stored. */
export type PatientTarget =
  | { entry: number }
  | { id: string }
  | { identifier: { system: string; value: string } }
  | { error: string };

/** The Patient resources of one call, by what references may name them with. */
export interface CallPatients {
  byFullUrl: Map<string, number>;
  byFhirId: Map<string, number>;
  /** `system|value` of their identifiers (MRN included). */
  byIdentifier: Map<string, number>;
}

export const identifierKey = (system: string, value: string) => `${system}|${value}`;

const CONDITIONAL = /^Patient\?identifier=(.+)$/;

/** What `reference` (a clinical resource's subject/patient) points at. */
export function patientTargetOf(reference: string, call: CallPatients): PatientTarget {
  const entry = call.byFullUrl.get(reference);
  if (entry !== undefined) return { entry };
  if (reference.startsWith('urn:')) return { error: `${reference} is not a Patient entry of this Bundle` };
  const conditional = CONDITIONAL.exec(reference);
  if (conditional) {
    const text = decodeURIComponent(conditional[1] ?? '');
    const bar = text.indexOf('|');
    if (bar <= 0 || bar === text.length - 1)
      return { error: `${reference}: a conditional reference needs identifier=system|value` };
    const system = text.slice(0, bar);
    const value = text.slice(bar + 1);
    const inCall = call.byIdentifier.get(identifierKey(system, value));
    return inCall !== undefined ? { entry: inCall } : { identifier: { system, value } };
  }
  const id = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference)?.[1];
  if (!id) return { error: `${reference} is not a reference to a Patient` };
  const byFhirId = call.byFhirId.get(id);
  if (byFhirId !== undefined) return { entry: byFhirId };
  if (!isUuid(id)) return { error: `no patient has the id ${id}` };
  return { id };
}

/**
 * `inCall`: each clinical entry of the call by its fullUrl, as the `<Type>/<id>` it is stored as.
 * A reference into the call becomes that; any other `urn:` or conditional reference names
 * something we do not hold and is dropped; `Type/id`, absolute URLs and `#contained` stay.
 */
function resolvedReference(reference: string, inCall: Map<string, string>): string | undefined {
  const local = inCall.get(reference);
  if (local) return local;
  if (reference.startsWith('urn:') || reference.includes('?')) return undefined;
  return reference;
}

/** Whether `rewrite` would change anything in `value`: a reference to resolve, an empty object or array. */
function needsRewrite(value: unknown, inCall: Map<string, string>): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some((item) => needsRewrite(item, inCall));
  if (!isObject(value)) return false;
  let empty = true;
  for (const key in value) {
    empty = false;
    const item = value[key];
    if (key === 'reference' && typeof item === 'string') {
      if (resolvedReference(item, inCall) !== item) return true;
    } else if (needsRewrite(item, inCall)) return true;
  }
  return empty;
}

/**
 * `value` with every reference resolved, and the objects and arrays left empty by a drop removed.
 * What needs no change is given back as it is, not copied (most of a resource, often all of it:
 * the import CLI resolves a split Bundle's references itself).
 */
function rewrite(value: unknown, inCall: Map<string, string>): unknown {
  return needsRewrite(value, inCall) ? rewriteCopy(value, inCall) : value;
}

function rewriteCopy(value: unknown, inCall: Map<string, string>): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => rewrite(item, inCall)).filter((item) => item !== undefined);
    return items.length ? items : undefined;
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const rewritten =
      key === 'reference' && typeof item === 'string' ? resolvedReference(item, inCall) : rewrite(item, inCall);
    if (rewritten !== undefined) out[key] = rewritten;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The encounter id of a resource: an Encounter of the call, or the id of `Encounter/<id>`. */
function encounterIdOf(reference: string | undefined, inCall: Map<string, string>): string | null {
  if (!reference) return null;
  const target = inCall.get(reference) ?? reference;
  return /^Encounter\/([A-Za-z0-9\-.]{1,64})$/.exec(target)?.[1] ?? null;
}

/**
 * The resource as stored: its id, `Patient/<patientId>` as its patient, references resolved, and
 * no `meta.versionId`/`lastUpdated` (the store's own, added on the way out). An export imported
 * back gives the same jsonb, so it changes nothing.
 */
export function clinicalWrite(draft: ClinicalDraft, patientId: string, inCall: Map<string, string>): ClinicalWrite {
  const encounterId = encounterIdOf(draft.encounterReference, inCall);
  const patientElement = patientElementOf(draft.resourceType);
  const { meta, id: _id, ...rest } = draft.resource;
  const resource = (rewrite(rest, inCall) ?? {}) as Record<string, unknown>;
  const subject = isObject(draft.resource[patientElement]) ? draft.resource[patientElement] : {};
  resource[patientElement] = { ...(rewrite(subject, inCall) as object), reference: `Patient/${patientId}` };
  if (encounterId && 'encounter' in draft.resource) {
    const encounter = isObject(draft.resource.encounter) ? draft.resource.encounter : {};
    resource.encounter = { ...(rewrite(encounter, inCall) as object), reference: `Encounter/${encounterId}` };
  }
  const { versionId: _versionId, lastUpdated: _lastUpdated, ...keptMeta } = isObject(meta) ? meta : {};
  const storedMeta = rewrite(keptMeta, inCall);
  return {
    draft,
    patientId,
    encounterId,
    resource: {
      resourceType: draft.resourceType,
      id: draft.id,
      ...(storedMeta ? { meta: storedMeta } : {}),
      ...resource,
    },
  };
}
