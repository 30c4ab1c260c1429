import { type GraphQLSchema, isScalarType, isSpecifiedScalarType } from 'graphql';
import { resolvers as scalarImplementations } from 'graphql-scalars';

/**
 * Gives the served schema's custom scalars (EmailAddress, LocalDate, PhoneNumber…) the
 * graphql-scalars implementations the subgraphs use, so the gateway itself refuses a bad value:
 * a variable as BAD_USER_INPUT, an inline literal as GRAPHQL_VALIDATION_FAILED, and neither costs
 * a subgraph round trip. A supergraph scalar graphql-scalars does not know fails the start, so a
 * new scalar cannot slip through unchecked.
 *
 * The schema's own scalar objects are changed in place: the gateway validates variables against
 * the schema object it built, which is the one Apollo Server validates literals against. Only the
 * parsing of input changes; the gateway never serializes output (it passes the subgraphs'
 * answers on as they are).
 */
export function attachScalarImplementations(schema: GraphQLSchema): string[] {
  const attached: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || isSpecifiedScalarType(type) || type.name.startsWith('__')) continue;
    const implementation = scalarImplementations[type.name as keyof typeof scalarImplementations];
    if (!implementation)
      throw new Error(`the supergraph's scalar ${type.name} has no graphql-scalars implementation for the gateway`);
    type.parseValue = implementation.parseValue;
    type.parseLiteral = implementation.parseLiteral;
    type.specifiedByURL = implementation.specifiedByURL;
    attached.push(type.name);
  }
  return attached;
}
