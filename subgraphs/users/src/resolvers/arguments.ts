import { BadUserInputError } from '@healthsync/orm';

/** No argument of this subgraph needs more (passwords stop at 128, names at 200, emails at 254). */
const MAX_STRING_LENGTH = 1_000;

/** BAD_USER_INPUT naming the argument when a string in `value` holds a NUL byte or is too long. */
function assertSaneStrings(value: unknown, path: string): void {
  if (typeof value === 'string') {
    // PostgreSQL cannot store U+0000 in text: it must not get that far.
    if (value.includes('\0')) throw new BadUserInputError(`${path} must not contain NUL characters`, path);
    if (value.length > MAX_STRING_LENGTH)
      throw new BadUserInputError(`${path} is too long (at most ${MAX_STRING_LENGTH} characters)`, path);
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) assertSaneStrings(item, `${path}.${index}`);
  } else if (typeof value === 'object' && value !== null && !(value instanceof Date))
    for (const [key, item] of Object.entries(value)) assertSaneStrings(item, path ? `${path}.${key}` : key);
}

type Resolver = (parent: unknown, args: Record<string, unknown>, ...rest: unknown[]) => unknown;

/**
 * `resolvers` (one root type's) with every string argument checked first: a client's NUL byte or
 * 10 kB string is its mistake (BAD_USER_INPUT), never a database error.
 */
export function withSaneArguments<T extends object>(resolvers: T): T {
  return Object.fromEntries(
    Object.entries(resolvers).map(([field, resolve]) => [
      field,
      (parent: unknown, args: Record<string, unknown>, ...rest: unknown[]) => {
        assertSaneStrings(args, '');
        return (resolve as Resolver)(parent, args, ...rest);
      },
    ]),
  ) as T;
}
