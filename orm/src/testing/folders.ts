import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

/**
 * A new folder in the temporary directory, removed after the test file (jest-setup.ts). For
 * folders a helper makes on a test's behalf (signing keys, say), where the file's own afterAll
 * does not see them.
 */
export function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(folder);
  return folder;
}

/** Removes every folder temporaryFolder made so far. */
export function removeTemporaryFolders(): void {
  for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
}
