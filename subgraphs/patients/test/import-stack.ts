/**
 * A whole HealthSync stack (both subgraphs, gateway, nginx when installed) on free ports against
 * a fresh test database, for the data CLIs, which only ever talk to the public edge.
 */
import { startTestStack } from '@healthsync/gateway/testing';
import { type ApiClient, connect } from '../scripts/api.js';

export const STACK_ADMIN = { email: 'data-admin@example.org', password: 'a long admin password for the data tests' };

export async function startDataStack() {
  // The data CLIs only ever talk to the edge: the gateway answers it when nginx is not installed.
  const testStack = await startTestStack({
    requireNginx: false,
    env: { ADMIN_EMAIL: STACK_ADMIN.email, ADMIN_PASSWORD: STACK_ADMIN.password },
  });
  const admin = (): Promise<ApiClient> => connect({ url: testStack.edge, credentials: STACK_ADMIN });
  return { ...testStack, admin };
}
