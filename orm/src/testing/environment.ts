import { z } from 'zod';
import { parseEnvironment } from '../environment.js';

/** What the jest global setup hands to every test file (through the environment). */
export const TestEnvironment = z.object({
  HEALTHSYNC_TEST_SERVER_URL: z.url(),
  HEALTHSYNC_TEST_TEMPLATE: z.string().min(1),
  HEALTHSYNC_TEST_USERS_DB_PASSWORD: z.string().min(12),
  HEALTHSYNC_TEST_PATIENTS_DB_PASSWORD: z.string().min(12),
});
export type TestEnvironment = z.infer<typeof TestEnvironment>;

export function testEnvironment(): TestEnvironment {
  return parseEnvironment(TestEnvironment, process.env);
}
