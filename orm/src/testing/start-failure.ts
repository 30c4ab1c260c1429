import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeStartupError } from '../process.js';

/** A port on 127.0.0.1 that nobody listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Declares the jest test that a service started against a PostgreSQL that is away fails with one
 * clear line (server, database, reason) and never shows the password. `start` starts the service
 * with `databaseUrl` as its connection.
 */
export function testDatabaseAwayAtStart(start: (databaseUrl: string) => Promise<unknown>) {
  test('a database that cannot be reached is one clear line at start, without the password', async () => {
    const port = await closedPort();
    const failure = await start(`postgres://healthsync_service:hunter2-secret@127.0.0.1:${port}/healthsync`).then(
      () => undefined,
      (error: unknown) => error,
    );
    const line = describeStartupError(failure);
    // The reason may come wrapped (AggregateError, jest's cross-realm errors): it still names ECONNREFUSED.
    expect(line).toMatch(
      new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/healthsync \\(.*ECONNREFUSED.*\\)$`),
    );
    expect(line).not.toMatch(/hunter2|\n/);
  });
}
