import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Thrown when the environment does not satisfy a service's schema; lists every problem at once
 * (one problem: one line).
 */
export class EnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid environment: ${problems[0]}`
        : `Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'EnvironmentError';
  }
}

/** `NAME_FILE` holds the path of a file whose content is the value of `NAME` (Docker and Kubernetes secrets). */
export const FILE_VARIABLE_SUFFIX = '_FILE';

/**
 * `source` with each variable of `keys` that is given as `NAME_FILE` read from its file (one
 * trailing newline dropped, as `echo` and editors leave one). Setting both forms is a problem, and
 * so is a file that cannot be read.
 */
function withFileValues(keys: string[], source: Record<string, string | undefined>, problems: string[]) {
  const resolved = { ...source };
  for (const key of keys) {
    const fileKey = `${key}${FILE_VARIABLE_SUFFIX}`;
    const file = source[fileKey];
    if (file === undefined || file === '') continue;
    if (source[key] !== undefined && source[key] !== '') {
      problems.push(`${key}: set either ${key} or ${fileKey}, not both`);
      continue;
    }
    try {
      resolved[key] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${fileKey}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  return resolved;
}

/** The variables an environment schema names: its object's, through any refinement or transform. */
function objectShapeOf(schema: z.ZodType): Record<string, unknown> {
  if (schema instanceof z.ZodObject) return schema.shape;
  if (schema instanceof z.ZodPipe) return objectShapeOf(schema.in as z.ZodType);
  return {};
}

/**
 * Validates `source` (normally `process.env`) against a zod object schema and returns the typed
 * result. Every bad variable is reported in one error, so an operator fixes them all in one go.
 * Any variable of the schema may instead be given as `NAME_FILE`, the path of a file holding its
 * value: how secrets (keys, passwords, connection URLs) stay out of the environment.
 */
export function parseEnvironment<T extends z.ZodType>(
  schema: T,
  source: Record<string, string | undefined>,
): z.infer<T> {
  const problems: string[] = [];
  const keys = Object.keys(objectShapeOf(schema));
  const resolved = withFileValues(keys, source, problems);
  // Empty strings mean "unset": compose files and shells often export VAR= for optional values.
  const cleaned = Object.fromEntries(
    Object.entries(resolved).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (result.success && !problems.length) return result.data;
  throw new EnvironmentError([
    ...problems,
    ...(result.error?.issues ?? []).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  ]);
}

/** Reusable zod pieces for environment schemas. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: () => z.url(),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nodeEnv: () => z.enum(['development', 'test', 'production']).default('development'),
  /** Comma-separated URLs (spaces around commas allowed); unset or empty: none. */
  urlList: () =>
    z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((url) => url.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url())),
  /** Database connections one process may hold. */
  poolSize: () => z.coerce.number().int().min(1).max(100).default(10),
  boolean: (fallback: boolean) =>
    z
      .enum(['1', '0', 'true', 'false', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => ['1', 'true', 'yes'].includes(value)),
};
