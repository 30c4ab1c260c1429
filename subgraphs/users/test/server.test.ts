import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describeStartupError } from '@healthsync/orm';
import { loadUsersConfig } from '../src/environment.js';
import { startUsersServer } from '../src/server.js';

test('a database that cannot be reached is one clear line at start, without the password', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const config = loadUsersConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    USERS_DATABASE_URL: `postgres://healthsync_users:hunter2-secret@127.0.0.1:${port}/healthsync`,
    KEYS_DIR: mkdtempSync(path.join(os.tmpdir(), 'healthsync-keys-')),
  });
  const failure = await startUsersServer(config).then(
    () => undefined,
    (error: unknown) => error,
  );
  const line = describeStartupError(failure);
  expect(line).toMatch(
    new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/healthsync \\(.*ECONNREFUSED.*\\)$`),
  );
  expect(line).not.toMatch(/hunter2|\n/);
});
