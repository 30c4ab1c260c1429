import { temporaryFolder, testDatabaseAwayAtStart } from '@healthsync/orm/testing';
import { loadUsersConfig } from '../src/environment.js';
import { startUsersServer } from '../src/server.js';

testDatabaseAwayAtStart((databaseUrl) =>
  startUsersServer(
    loadUsersConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      USERS_DATABASE_URL: databaseUrl,
      KEYS_DIR: temporaryFolder('healthsync-keys-'),
    }),
  ),
);
