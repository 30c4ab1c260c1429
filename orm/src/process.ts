import { EnvironmentError } from './environment.js';

/** A start failure whose message is one line that says what to do (printed as it is, no stack trace). */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Runs a process's main function: known failures (bad environment, database away, port taken)
 * print one clear line and exit 1; anything else prints its stack.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(describeStartupError(error));
      process.exit(1);
    },
  );
}

/**
 * One line (the environment's problems: one each) for the failures an operator can fix, saying
 * what to do; the full error otherwise. Errors are recognised by name and code, not class: they
 * may come from another realm (jest) or a copy of a package.
 */
export function describeStartupError(error: unknown): string {
  if (error instanceof EnvironmentError) return error.message;
  if (error instanceof Error) {
    const { code, path: file } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE')
      return `port already in use: ${error.message.replace(/^listen EADDRINUSE: address already in use /, '')}; stop what listens there or choose another port`;
    if (error.name === 'DatabaseUnavailableError')
      return `${error.message}; start PostgreSQL, or correct the connection URL`;
    if (error.name === 'StartupError' || error.name === 'StackStartError') return error.message;
    if (code === 'EACCES' || code === 'EPERM')
      return `permission denied${file ? ` on ${file}` : ''} (${error.message.split('\n')[0]}); give this user access or run from another folder`;
    return error.stack ?? error.message;
  }
  return String(error);
}
