/** Run by jest after each test file's environment is set up (package.json `setupFilesAfterEnv`). */
import { removeTemporaryFolders } from '@healthsync/orm/testing';

afterAll(removeTemporaryFolders);
