/**
 * Import sources: FHIR JSON (a Patient, an array or a Bundle), NDJSON (one resource per line) and
 * Synthea's patients.csv. CSV and NDJSON are streamed: memory stays flat whatever the file size.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CliError } from './environment.js';
import { headerProblem, patientFromSyntheaRow } from './synthea.js';

export type SourceFormat = 'csv' | 'ndjson' | 'json';

export interface Source {
  path: string;
  format: SourceFormat;
  size: number;
}

/**
 * One record of a source: a resource to send (with its size as JSON, measured once), or why it
 * cannot be sent. `where` is `file:line` (CSV, NDJSON), `file#entry[i]` (a Bundle entry),
 * `file#i` (an array) or `file`.
 */
export type SourceRecord =
  | { where: string; resource: Record<string, unknown>; bytes: number; error?: undefined }
  | { where: string; error: string; resource?: undefined };

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
    if (format) sources.push({ path: file, format, size: stats.size });
    else if (named) throw new CliError(`${file}: unknown format (expected .json, .ndjson, .jsonl or .csv)`);
  };
  for (const file of paths) visit(file, true);
  return sources;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Only the modelled elements of a Patient; anything else is passed through for the API to judge. */
function slim(value: unknown): unknown {
  if (!isObject(value) || value.resourceType !== 'Patient') return value;
  return Object.fromEntries(MODELLED.filter((key) => key in value).map((key) => [key, value[key]]));
}

function record(where: string, value: unknown): SourceRecord {
  const resource = slim(value);
  const bytes = Buffer.byteLength(JSON.stringify(resource) ?? '');
  if (bytes > MAX_RECORD_BYTES)
    return { where, error: `record is ${bytes} bytes; at most ${MAX_RECORD_BYTES} are accepted per record` };
  if (!isObject(resource)) return { where, error: 'not a JSON object' };
  return { where, resource, bytes };
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
    // Synthea writes one Bundle per person with every other resource of their record: only the
    // Patient entries are sent, the rest is skipped here rather than shipped to the API.
    const entries = Array.isArray(value.entry) ? value.entry : [];
    for (const [index, entry] of entries.entries()) {
      const resource = isObject(entry) ? entry.resource : undefined;
      if (isObject(resource) && resource.resourceType !== 'Patient') continue;
      yield record(`${source.path}#entry[${index}]`, resource);
    }
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

async function* readCsv(source: Source, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  let headerError: string | undefined;
  const parser = countBytes(createReadStream(source.path), onBytes).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        headerError = headerProblem(header.map((column) => column.trim()));
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
        yield record(where, patientFromSyntheaRow(row));
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
