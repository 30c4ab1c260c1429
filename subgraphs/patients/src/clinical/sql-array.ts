/**
 * A PostgreSQL array literal of `values`, to bind as one parameter (`?::uuid[]`, `?::text[]`):
 * knex would spread a JavaScript array into a list of parameters instead. Every element is quoted,
 * so commas, quotes, braces and backslashes inside values stay values.
 */
export function sqlArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
