/**
 * Indexes the migrations create by hand (expressions, operator classes, partial indexes). MikroORM
 * compares expression indexes by name only, so naming them in an entity is enough for the
 * migration generator to leave them alone.
 */
export function handWrittenIndexes(table: string, names: string[]) {
  return names.map((name) => ({ name, expression: `-- created by hand in the migrations, on ${table}` }));
}
