/**
 * `patients(filter: { condition })`: the patients with an active condition that has this code, or
 * whose display text contains these words. A clause of its own so that the patient list (and a
 * natural-language search later) can add it to whatever else it filters on.
 */
import { BadUserInputError } from '@healthsync/orm';

const MAX_CONDITION_LENGTH = 100;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Throws BAD_USER_INPUT for a condition filter no one could mean. */
export function validateConditionFilter(condition: string): void {
  if (condition.length > MAX_CONDITION_LENGTH)
    throw new BadUserInputError(
      `filter.condition must be at most ${MAX_CONDITION_LENGTH} characters`,
      'filter.condition',
    );
}

/**
 * SQL (an EXISTS over `patients.condition`, correlated with the patient alias `p`) and its
 * parameters. `code` or `system|code` match the coded columns exactly; the text matches the
 * display case- and accent-insensitively as a substring (the partial trigram index of active
 * conditions serves it).
 */
export function activeConditionClause(condition: string): { sql: string; params: unknown[] } {
  const bar = condition.lastIndexOf('|');
  const coded =
    bar > 0
      ? { sql: 'c.code_system = ? AND c.code = ?', params: [condition.slice(0, bar), condition.slice(bar + 1)] }
      : { sql: 'c.code = ?', params: [condition] };
  return {
    sql: `EXISTS (SELECT 1 FROM patients.condition c WHERE c.patient_id = p.id AND c.active AND ((${coded.sql}) OR patients.search_normalize(c.display) LIKE '%' || patients.search_normalize(?) || '%'))`,
    params: [...coded.params, escapeLike(condition)],
  };
}
