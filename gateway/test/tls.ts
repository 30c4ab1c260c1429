import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate itself: clients trust it as their only CA. */
  ca: Buffer;
  /** An undici dispatcher that trusts only this certificate (`fetch` from undici takes it). */
  dispatcher: Agent;
  /** Deletes the key and certificate. */
  remove(): Promise<void>;
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1, made by openssl in a folder of its own
 * (valid one day): what the TLS tests give nginx as TLS_CERT_FILE/TLS_KEY_FILE.
 */
export function makeTestCertificate(): TestCertificate {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'healthsync-tls-'));
  const certFile = path.join(folder, 'cert.pem');
  const keyFile = path.join(folder, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const ca = readFileSync(certFile);
  const dispatcher = new Agent({ connect: { ca } });
  return {
    certFile,
    keyFile,
    ca,
    dispatcher,
    remove: async () => {
      await dispatcher.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
