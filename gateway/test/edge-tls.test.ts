/**
 * The nginx template's TLS and trusted-proxy settings, through the real nginx binary in front of a
 * small upstream that echoes what nginx sent it: TLS 1.2+ only with a certificate made here, HSTS,
 * plain HTTP redirected, and a load balancer in front (EDGE_TRUSTED_PROXIES) whose clients, not
 * itself, are what the rate limit counts and the address passed on names.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { findFreePort } from '@healthsync/orm/database';
import { fetch } from 'undici';
import { findNginx, NO_RESOLVER, runNginx, TRUST_NO_PROXY, writeNginxConfig } from '../src/stack/nginx.js';
import { type ManagedChild, waitUntilReady } from '../src/stack/processes.js';
import { makeTestCertificate, type TestCertificate } from './tls.js';

const nginxBin = findNginx('nginx');
const describeWithNginx = nginxBin || process.env.REQUIRE_NGINX === '1' ? describe : describe.skip;

/** What the upstream saw of a request. */
interface Echo {
  path: string;
  forwardedFor?: string;
  forwardedProto?: string;
}

/** One nginx on the template, in front of `upstream`; the per-address rate lowered to 2 requests a minute. */
async function startEdge(folder: string, upstream: number, options: { tls?: TestCertificate; trusted?: string }) {
  const [plain, secure] = [await findFreePort(), await findFreePort()];
  const conf = writeNginxConfig(
    folder,
    {
      NGINX_LISTEN: `127.0.0.1:${plain}`,
      GATEWAY_UPSTREAM: `127.0.0.1:${upstream}`,
      GATEWAY_RESOLVE: '',
      NGINX_RESOLVER: NO_RESOLVER,
      USERS_UPSTREAM: `127.0.0.1:${upstream}`,
      EDGE_TRUSTED_PROXIES: options.trusted ?? TRUST_NO_PROXY,
      EDGE_RATE_LIMIT: '1',
      EDGE_RATE_BURST: '1',
    },
    options.tls
      ? {
          NGINX_TLS_LISTEN: `127.0.0.1:${secure}`,
          TLS_CERT_FILE: options.tls.certFile,
          TLS_KEY_FILE: options.tls.keyFile,
          TLS_PUBLIC_PORT: String(secure),
        }
      : undefined,
  );
  // The limiter's key is what is under test, not its rate: 2 at once, then none for a minute
  // (EDGE_RATE_LIMIT counts per second, so the minute is written into the rendered file).
  const site = path.join(folder, 'conf.d', 'healthsync.conf');
  const original = readFileSync(site, 'utf8');
  const lowered = original.replace(/rate=1r\/s/, 'rate=1r/m');
  if (lowered === original) throw new Error('nginx template: no limit_req rate to lower');
  writeFileSync(site, lowered);
  const nginx = runNginx({ bin: nginxBin ?? 'nginx', prefix: folder, conf, output: 'quiet' });
  await waitUntilReady(nginx, `${options.tls ? 'https' : 'http'}://127.0.0.1:${options.tls ? secure : plain}/health`);
  return { nginx, plain: `http://127.0.0.1:${plain}`, secure: `https://localhost:${secure}`, securePort: secure };
}

describeWithNginx('nginx with TLS and a trusted load balancer', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-edge-tls-'));
  let certificate: TestCertificate;
  let upstream: http.Server;
  let behindBalancer: Awaited<ReturnType<typeof startEdge>>;
  let direct: Awaited<ReturnType<typeof startEdge>>;
  const children: ManagedChild[] = [];

  beforeAll(async () => {
    certificate = makeTestCertificate();
    upstream = http.createServer((req, res) => {
      req.resume();
      const echo: Echo = {
        path: req.url ?? '',
        forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
        forwardedProto: req.headers['x-forwarded-proto'] as string | undefined,
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(echo));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    // This test, on 127.0.0.1, plays the load balancer in front of the first nginx.
    behindBalancer = await startEdge(path.join(folder, 'balanced'), port, { tls: certificate, trusted: '127.0.0.1' });
    children.push(behindBalancer.nginx);
    direct = await startEdge(path.join(folder, 'direct'), port, {});
    children.push(direct.nginx);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(children.map((child) => child.stop('SIGQUIT')));
    await new Promise((resolve) => upstream?.close(resolve));
    await certificate?.remove();
    rmSync(folder, { recursive: true, force: true });
  }, 30_000);

  const secureGet = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { dispatcher: certificate.dispatcher, headers });

  /** The protocol a handshake with `options` ends in, or the error that ended it. */
  const handshake = (options: tls.ConnectionOptions) =>
    new Promise<string>((resolve) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: behindBalancer.securePort, servername: 'localhost', ca: certificate.ca, ...options },
        () => {
          resolve(socket.getProtocol() ?? 'none');
          socket.end();
        },
      );
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
    });

  test('serves HTTPS with the certificate, over TLS 1.3 or 1.2 and nothing older', async () => {
    expect(await handshake({})).toBe('TLSv1.3');
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    // The client allows the old versions (security level 0); nginx must be what says no.
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(
      /^refused: /,
    );
    // Debian's OpenSSL refuses TLS < 1.2 by its own default too; the rendered directive keeps it
    // so where a library's default is looser.
    const rendered = readFileSync(path.join(folder, 'balanced', 'conf.d', 'healthsync-tls', 'tls.conf'), 'utf8');
    expect(rendered).toMatch(/^ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
    const response = await secureGet(`${behindBalancer.secure}/graphql`);
    expect(((await response.json()) as Echo).forwardedProto).toBe('https');
  });

  test('HTTPS answers carry HSTS; plain HTTP answers carry none', async () => {
    const secure = await secureGet(`${behindBalancer.secure}/health`);
    expect([secure.status, secure.headers.get('strict-transport-security')]).toEqual([200, 'max-age=63072000']);
    const plain = await fetch(`${direct.plain}/health`);
    expect([plain.status, plain.headers.get('strict-transport-security')]).toEqual([200, null]);
  });

  test('plain HTTP is only a redirect to HTTPS (308: a POST stays a POST), for every path', async () => {
    for (const [method, where] of [
      ['POST', '/graphql'],
      ['GET', '/health'],
      ['GET', '/.well-known/jwks.json?x=1'],
    ] as const) {
      const response = await fetch(`${behindBalancer.plain}${where}`, {
        method,
        redirect: 'manual',
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect([response.status, response.headers.get('location')]).toEqual([
        308,
        `https://127.0.0.1:${behindBalancer.securePort}${where}`,
      ]);
    }
  });

  test('behind the trusted balancer, the client in its X-Forwarded-For is the address passed on; elsewhere the header is not believed', async () => {
    const forwardedFor = async (response: Promise<Response | import('undici').Response>) =>
      ((await (await response).json()) as Echo).forwardedFor;
    expect(
      await forwardedFor(secureGet(`${behindBalancer.secure}/graphql`, { 'x-forwarded-for': '203.0.113.7' })),
    ).toBe('203.0.113.7');
    // A client's own claim before the balancer's entry is skipped: the balancer's entry counts.
    expect(
      await forwardedFor(
        secureGet(`${behindBalancer.secure}/graphql`, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' }),
      ),
    ).toBe('203.0.113.7');
    // Without a trusted balancer a client's X-Forwarded-For is ignored and never passed on.
    expect(
      await forwardedFor(fetch(`${direct.plain}/graphql`, { headers: { 'x-forwarded-for': '203.0.113.7' } })),
    ).toBe('127.0.0.1');
  });

  test('the rate limit counts each client behind the trusted balancer, and the peer itself otherwise', async () => {
    const send = (base: string, client: string) =>
      (base.startsWith('https')
        ? secureGet(`${base}/graphql`, { 'x-forwarded-for': client })
        : fetch(`${base}/graphql`, { headers: { 'x-forwarded-for': client } })
      ).then(async (response) => {
        await response.text();
        return response.status;
      });
    /** Sends as `client` until refused (2 requests at once, then none for a minute); the statuses seen. */
    const exhaust = async (base: string, client: string) => {
      const seen = [await send(base, client)];
      while (seen.length < 5 && seen.at(-1) !== 429) seen.push(await send(base, client));
      return seen;
    };
    // Behind the balancer one client's refusal leaves the next client alone…
    expect(await exhaust(behindBalancer.secure, '192.0.2.10')).toContain(429);
    expect(await send(behindBalancer.secure, '192.0.2.11')).toBe(200);
    // …without one every request is the peer's, whatever X-Forwarded-For says.
    expect(await exhaust(direct.plain, '192.0.2.10')).toContain(429);
    expect(await send(direct.plain, '192.0.2.11')).toBe(429);
  });
});
