import { EnvironmentError } from './environment.js';

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

/** One line for the failures an operator can fix; the full error otherwise. */
export function describeStartupError(error: unknown): string {
  if (error instanceof EnvironmentError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      return `port already in use: ${error.message.replace(/^listen EADDRINUSE: address already in use /, '')}`;
    if (error.name === 'DatabaseUnavailableError') return error.message;
    return error.stack ?? error.message;
  }
  return String(error);
}
