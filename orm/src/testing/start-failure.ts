import { findFreePort } from '../database/embedded.js';
import { describeStartupError } from '../process.js';

/**
 * Declares the jest test that a service started against a PostgreSQL that is away fails with one
 * clear line (server, database, reason) and never shows the password. `start` starts the service
 * with `databaseUrl` as its connection.
 */
export function testDatabaseAwayAtStart(start: (databaseUrl: string) => Promise<unknown>) {
  test('a database that cannot be reached is one clear line at start, without the password', async () => {
    // Free a moment ago, so nobody listens there.
    const port = await findFreePort();
    const failure = await start(`postgres://healthsync_service:hunter2-secret@127.0.0.1:${port}/healthsync`).then(
      () => undefined,
      (error: unknown) => error,
    );
    const line = describeStartupError(failure);
    // The reason may come wrapped (AggregateError, jest's cross-realm errors): it still names ECONNREFUSED.
    expect(line).toMatch(
      new RegExp(
        `^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/healthsync \\(.*ECONNREFUSED.*\\); start PostgreSQL, or correct the connection URL$`,
      ),
    );
    expect(line).not.toMatch(/hunter2|\n/);
  });
}
