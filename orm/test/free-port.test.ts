/**
 * findFreePort picks ports the launcher binds seconds later: below the kernel's ephemeral range,
 * so an outgoing connection made meanwhile (to PostgreSQL, say) cannot take it as its own.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { findFreePort } from '@healthsync/orm/database';

const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

test('a free port below the ephemeral range, which can be bound', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
  for (const port of ports) {
    expect(port).toBeGreaterThan(1024);
    expect(port).toBeLessThan(ephemeralLow ?? 32768);
  }
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ports[0], '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});
