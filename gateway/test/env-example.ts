import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';

/** One `KEY=value` line of .env.example; `active` is false when it is commented out (`# KEY=`). */
export interface EnvExampleLine {
  key: string;
  value: string;
  active: boolean;
}

/** The `KEY=value` lines of .env.example, commented out or not, in file order. */
export const ENV_EXAMPLE: EnvExampleLine[] = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')
  .split('\n')
  .map((line) => /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
  .filter((match) => match !== null)
  .map(([, comment, key, value]) => ({ key: key as string, value: value as string, active: !comment }));
