/**
 * Import sources: FHIR JSON (a resource, an array or a Bundle), NDJSON (one resource per line) and
 * Synthea's CSVs (patients.csv, and encounters.csv, conditions.csv… beside it). CSV and NDJSON are
 * streamed: memory stays flat whatever the file size.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CLINICAL_TYPES } from '../src/clinical/types.js';
import { CliError } from './environment.js';
import {
  clinicalFromSyntheaRow,
  clinicalHeaderProblem,
  headerProblem,
  patientFromSyntheaRow,
  SYNTHEA_CLINICAL_CSVS,
  SYNTHEA_SYSTEM,
  type SyntheaClinicalCsv,
  syntheaPatientReference,
} from './synthea.js';

export type SourceFormat = 'csv' | 'ndjson' | 'json';

export interface Source {
  path: string;
  format: SourceFormat;
  size: number;
  /**
   * 0: patients (and self-contained Bundles), 1: encounters, 2: the rest of the clinical record.
   * The import sends the sources in this order, and a rank only once the one before is stored.
   */
  rank: 0 | 1 | 2;
}

/** The resource types HealthSync models; the CLI sends only these (others are counted as skipped). */
export const MODELLED_TYPES: ReadonlySet<string> = new Set(['Patient', ...CLINICAL_TYPES]);

/**
 * One record of a source: a resource to send (with its size as JSON, measured once), or why it
 * cannot be sent. `where` is `file:line` (CSV, NDJSON), `file#entry[i]` (a Bundle entry),
 * `file#i` (an array) or `file`.
 */
export type SourceRecord =
  | {
      where: string;
      resource: Record<string, unknown>;
      bytes: number;
      /** A Patient: the reference its clinical resources name it by (`Patient?identifier=…`). */
      provides?: string;
      /** A clinical resource: the `provides` of its patient, which must be stored first. */
      dependsOn?: string;
      error?: undefined;
      skipped?: undefined;
    }
  | { where: string; error: string; resource?: undefined; skipped?: undefined }
  /** A resource of a type HealthSync does not model: counted, not sent. */
  | { where: string; skipped: string; resource?: undefined; error?: undefined };

const FORMATS: Record<string, SourceFormat> = {
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
};
/**
 * A whole-JSON file is parsed in memory (one Synthea Bundle is a few MB), within the CLI's heap
 * (`npm run import` caps it at 256 MB, which keeps V8 from letting garbage pile up on a long
 * stream); NDJSON and CSV have no size limit.
 */
const MAX_JSON_FILE_BYTES = 32 * 1024 * 1024;
/** One record, as sent: the API's body limit is 100 kB for a whole batch. */
const MAX_RECORD_BYTES = 32 * 1024;
/** What the API models: the rest (extensions, text, contained resources…) is not sent. */
const MODELLED = [
  'resourceType',
  'identifier',
  'name',
  'gender',
  'birthDate',
  'deceasedBoolean',
  'deceasedDateTime',
  'telecom',
  'address',
] as const;

/** The files named on the command line, directories expanded (recursively, sorted). */
export function listSources(paths: string[]): Source[] {
  const sources: Source[] = [];
  const visit = (file: string, named: boolean) => {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(file);
    } catch {
      throw new CliError(`${file}: no such file or directory`);
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(file).sort()) visit(path.join(file, entry), false);
      return;
    }
    const format = FORMATS[path.extname(file).toLowerCase()];
    if (format) sources.push({ path: file, format, size: stats.size, rank: rankOf(file) });
    else if (named) throw new CliError(`${file}: unknown format (expected .json, .ndjson, .jsonl or .csv)`);
  };
  for (const file of paths) visit(file, true);
  // Stable: alphabetical within a rank.
  return sources.sort((a, b) => a.rank - b.rank);
}

/** Which Synthea clinical CSV a file is, by its name (any other CSV is read as patients.csv). */
function clinicalCsvOf(file: string): SyntheaClinicalCsv | undefined {
  const name = path.basename(file, path.extname(file)).toLowerCase();
  return name in SYNTHEA_CLINICAL_CSVS ? (name as SyntheaClinicalCsv) : undefined;
}

function rankOf(file: string): Source['rank'] {
  const name = path.basename(file).toLowerCase();
  const kind = clinicalCsvOf(file);
  if (kind === 'encounters' || name.startsWith('encounter')) return 1;
  if (kind || [...MODELLED_TYPES].some((type) => type !== 'Patient' && name.startsWith(type.toLowerCase()))) return 2;
  return 0;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Only the modelled elements of a Patient; anything else is passed through for the API to judge. */
function slim(value: unknown): unknown {
  if (!isObject(value) || value.resourceType !== 'Patient') return value;
  return Object.fromEntries(MODELLED.filter((key) => key in value).map((key) => [key, value[key]]));
}

function record(where: string, value: unknown, links: { provides?: string; dependsOn?: string } = {}): SourceRecord {
  if (isObject(value) && typeof value.resourceType === 'string' && !MODELLED_TYPES.has(value.resourceType))
    return { where, skipped: value.resourceType };
  const resource = slim(value);
  const bytes = Buffer.byteLength(JSON.stringify(resource) ?? '');
  if (bytes > MAX_RECORD_BYTES)
    return { where, error: `record is ${bytes} bytes; at most ${MAX_RECORD_BYTES} are accepted per record` };
  if (!isObject(resource)) return { where, error: 'not a JSON object' };
  return { where, resource, bytes, ...links };
}

/** How a Patient is named once its Bundle is split into several calls: by its first identifier. */
function patientKeyOf(patient: Record<string, unknown>): string | undefined {
  const identifiers = Array.isArray(patient.identifier) ? patient.identifier.filter(isObject) : [];
  const first = identifiers.find(
    (identifier) => typeof identifier.system === 'string' && typeof identifier.value === 'string',
  );
  if (!first) return undefined;
  return first.system === SYNTHEA_SYSTEM
    ? syntheaPatientReference(String(first.value))
    : `Patient?identifier=${encodeURIComponent(String(first.system))}|${encodeURIComponent(String(first.value))}`;
}

const UUID_URN = /^urn:uuid:([0-9a-fA-F-]{36})$/;

/** `value` with every reference named in `targets` replaced (a deep copy of what changes). */
function rewriteReferences(value: unknown, targets: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteReferences(item, targets));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    out[key] =
      key === 'reference' && typeof item === 'string' ? (targets.get(item) ?? item) : rewriteReferences(item, targets);
  return out;
}

/**
 * A Bundle's entries as records that stand alone, since the CLI sends them in several calls: the
 * `urn:uuid:` references between entries become `Patient?identifier=…` (the patient) and
 * `<Type>/<id>` (the others), and each clinical resource depends on its patient's call.
 */
function* bundleRecords(file: string, entries: unknown[]): Generator<SourceRecord> {
  const targets = new Map<string, string>();
  for (const entry of entries) {
    if (!isObject(entry) || !isObject(entry.resource) || typeof entry.fullUrl !== 'string') continue;
    const resource = entry.resource;
    if (resource.resourceType === 'Patient') {
      const key = patientKeyOf(resource);
      if (key) targets.set(entry.fullUrl, key);
    } else if (typeof resource.resourceType === 'string' && MODELLED_TYPES.has(resource.resourceType)) {
      const id = typeof resource.id === 'string' ? resource.id : UUID_URN.exec(entry.fullUrl)?.[1]?.toLowerCase();
      if (id) targets.set(entry.fullUrl, `${resource.resourceType}/${id}`);
    }
  }
  for (const [index, entry] of entries.entries()) {
    const where = `${file}#entry[${index}]`;
    const resource = isObject(entry) ? entry.resource : undefined;
    if (
      !isObject(resource) ||
      typeof resource.resourceType !== 'string' ||
      !MODELLED_TYPES.has(resource.resourceType)
    ) {
      yield record(where, resource);
      continue;
    }
    if (resource.resourceType === 'Patient') {
      const key = isObject(entry) && typeof entry.fullUrl === 'string' ? targets.get(entry.fullUrl) : undefined;
      yield record(where, resource, key ? { provides: key } : {});
      continue;
    }
    const fullUrl = isObject(entry) && typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    const id = fullUrl ? targets.get(fullUrl)?.split('/')[1] : undefined;
    const rewritten = rewriteReferences(
      { ...resource, ...(id && resource.id === undefined ? { id } : {}) },
      targets,
    ) as Record<string, unknown>;
    const subject = (
      isObject(rewritten.subject) ? rewritten.subject : isObject(rewritten.patient) ? rewritten.patient : {}
    ).reference;
    yield record(
      where,
      rewritten,
      typeof subject === 'string' && subject.startsWith('Patient?') ? { dependsOn: subject } : {},
    );
  }
}

function countBytes(stream: Readable, onBytes: (bytes: number) => void): Readable {
  stream.on('data', (chunk: Buffer) => onBytes(chunk.length));
  return stream;
}

async function* readJson(source: Source, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  if (source.size > MAX_JSON_FILE_BYTES) {
    yield { where: source.path, error: `larger than ${MAX_JSON_FILE_BYTES} bytes: split it, or convert it to NDJSON` };
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(source.path, 'utf8'));
  } catch (error) {
    yield { where: source.path, error: `malformed JSON: ${(error as Error).message}` };
    return;
  } finally {
    onBytes(source.size);
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield record(`${source.path}#${index}`, item);
  } else if (isObject(value) && value.resourceType === 'Bundle') {
    // Synthea writes one Bundle per person with their whole record: the modelled resources are
    // sent, the others (claims, provenance…) counted as skipped rather than shipped to the API.
    yield* bundleRecords(source.path, Array.isArray(value.entry) ? value.entry : []);
  } else {
    yield record(source.path, value);
  }
}

async function* readNdjson(source: Source, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const lines = createInterface({
    input: countBytes(createReadStream(source.path), onBytes),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield record(`${source.path}:${line}`, JSON.parse(text));
    } catch (error) {
      yield { where: `${source.path}:${line}`, error: `malformed JSON: ${(error as Error).message}` };
    }
  }
}

/** A row of a Synthea CSV as a record: a Patient of patients.csv, or a clinical resource of the other files. */
function csvRecord(
  kind: SyntheaClinicalCsv | undefined,
  where: string,
  row: Record<string, string | undefined>,
): SourceRecord {
  if (!kind) {
    const patient = patientFromSyntheaRow(row);
    return record(where, patient, { provides: syntheaPatientReference(String(row.Id).trim()) });
  }
  const resource = clinicalFromSyntheaRow(kind, row);
  return record(where, resource, { dependsOn: syntheaPatientReference(String(row.PATIENT).trim()) });
}

async function* readCsv(source: Source, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const kind = clinicalCsvOf(source.path);
  const skipped: SourceRecord[] = [];
  let headerError: string | undefined;
  const parser = countBytes(createReadStream(source.path), onBytes).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const columns = header.map((column) => column.trim());
        headerError = kind ? clinicalHeaderProblem(kind, columns) : headerProblem(columns);
        if (headerError) throw new Error(headerError);
        return header.map((column) => column.trim());
      },
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A malformed row (a stray quote, say) is reported and skipped; the file goes on.
      skip_records_with_error: true,
      on_skip: (error) => {
        skipped.push({ where: `${source.path}:${error?.lines ?? '?'}`, error: `malformed CSV: ${error?.message}` });
        return undefined;
      },
    }),
  );
  try {
    for await (const { info, record: row } of parser as AsyncIterable<{
      info: { lines: number };
      record: Record<string, string | undefined>;
    }>) {
      yield* skipped.splice(0);
      const where = `${source.path}:${info.lines}`;
      try {
        yield csvRecord(kind, where, row);
      } catch (error) {
        yield { where, error: (error as Error).message };
      }
    }
  } catch (error) {
    yield { where: `${source.path}:1`, error: headerError ?? `unreadable CSV: ${(error as Error).message}` };
  }
  yield* skipped.splice(0);
}

/** The records of one source, in file order; `onBytes` hears how much of the file was read. */
export function readSource(source: Source, onBytes: (bytes: number) => void = () => {}): AsyncGenerator<SourceRecord> {
  if (source.format === 'csv') return readCsv(source, onBytes);
  if (source.format === 'ndjson') return readNdjson(source, onBytes);
  return readJson(source, onBytes);
}
