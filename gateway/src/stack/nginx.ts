import { spawnSync } from 'node:child_process';
import { accessSync, constants, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';
import {
  type ChildOutput,
  type ChildOutputListener,
  type ManagedChild,
  StackStartError,
  spawnChild,
} from './processes.js';

/** The one nginx config of the project, shared with Docker Compose's nginx image. */
export const NGINX_TEMPLATE = path.join(REPO_ROOT, 'nginx', 'healthsync.conf.template');

/**
 * TLS for the edge, included by the site template from `conf.d/healthsync-tls/` when that folder
 * holds it (Docker Compose mounts it into /etc/nginx/templates/healthsync-tls/).
 */
export const NGINX_TLS_TEMPLATE = path.join(REPO_ROOT, 'nginx', 'healthsync-tls.conf.template');
/** Where the rendered TLS settings go, relative to nginx's configuration folder, as the site template includes them. */
const TLS_FOLDER = path.join('conf.d', 'healthsync-tls');
/** Further servers of the upstreams (npm start's replicas), included by the site template's upstream blocks. */
const UPSTREAMS_FOLDER = path.join('conf.d', 'healthsync-upstreams');

/** NGINX_RESOLVER when every upstream is an address (npm start): nginx never asks it. */
export const NO_RESOLVER = '127.0.0.1';

/** The replicas after the first of each upstream (host:port), as `npm start` runs them. */
export interface NginxReplicas {
  gateway?: string[];
  users?: string[];
}

/** EDGE_TRUSTED_PROXIES when none is set: nginx listens on no UNIX socket, so `unix:` trusts no one. */
export const TRUST_NO_PROXY = 'unix:';

/** The values of the site template's placeholders. */
export interface NginxVariables {
  NGINX_LISTEN: string;
  GATEWAY_UPSTREAM: string;
  /** `resolve` when GATEWAY_UPSTREAM is a name to look up again while running (nginx 1.27.3+); empty for an address. */
  GATEWAY_RESOLVE: string;
  /** The DNS server (and `valid=`) that answers GATEWAY_UPSTREAM's name. */
  NGINX_RESOLVER: string;
  USERS_UPSTREAM: string;
  /** The load balancer whose X-Forwarded-For names the client: an address or subnet, or TRUST_NO_PROXY. */
  EDGE_TRUSTED_PROXIES: string;
  /** GraphQL requests per second per client address, and how many over it are served at once. */
  EDGE_RATE_LIMIT: string;
  EDGE_RATE_BURST: string;
}

/** The values of the TLS template's placeholders. */
export interface NginxTlsVariables {
  NGINX_TLS_LISTEN: string;
  TLS_CERT_FILE: string;
  TLS_KEY_FILE: string;
  /** The port clients reach HTTPS on, where plain HTTP is redirected. */
  TLS_PUBLIC_PORT: string;
}

/**
 * Replaces `${NAME}` placeholders like the nginx image's envsubst step does. Unlike envsubst, an
 * unknown placeholder is an error rather than text left for nginx to choke on.
 */
export function renderTemplate(template: string, variables: Record<string, string>): string {
  const missing = new Set<string>();
  const rendered = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = variables[name];
    if (value === undefined) missing.add(name);
    return value ?? '';
  });
  if (missing.size) throw new Error(`nginx template: no value for ${[...missing].join(', ')}`);
  return rendered;
}

/** The nginx binary: `bin` itself when it is a path, else the first executable of that name on PATH. */
export function findNginx(bin: string, searchPath = process.env.PATH ?? ''): string | undefined {
  const candidates = bin.includes('/')
    ? [bin]
    : [...searchPath.split(path.delimiter), '/usr/sbin', '/usr/local/sbin']
        .filter(Boolean)
        .map((dir) => path.join(dir, bin));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Writes `<prefix>/nginx.conf`: the process-level settings the nginx image would otherwise
 * provide, every path under `prefix` (so no root-owned /var paths are touched), and the rendered
 * template included inside `http`; with `tls`, the rendered TLS template beside it (and without,
 * none left from an earlier run).
 */
export function writeNginxConfig(
  prefix: string,
  variables: NginxVariables,
  tls?: NginxTlsVariables,
  replicas: NginxReplicas = {},
): string {
  rmSync(path.join(prefix, TLS_FOLDER), { recursive: true, force: true });
  rmSync(path.join(prefix, UPSTREAMS_FOLDER), { recursive: true, force: true });
  for (const dir of ['conf.d', 'logs', 'temp', UPSTREAMS_FOLDER])
    mkdirSync(path.join(prefix, dir), { recursive: true });
  // The same server parameters as the template's first one, for each further replica.
  const servers = { gateway: 'max_fails=3 fail_timeout=10s', users: '' };
  for (const [upstream, parameters] of Object.entries(servers)) {
    const addresses = replicas[upstream as keyof NginxReplicas] ?? [];
    if (!addresses.length) continue;
    writeFileSync(
      path.join(prefix, UPSTREAMS_FOLDER, `${upstream}-replicas.conf`),
      addresses.map((address) => `server ${address}${parameters ? ` ${parameters}` : ''};\n`).join(''),
    );
  }
  if (tls) {
    mkdirSync(path.join(prefix, TLS_FOLDER));
    writeFileSync(
      path.join(prefix, TLS_FOLDER, 'tls.conf'),
      renderTemplate(readFileSync(NGINX_TLS_TEMPLATE, 'utf8'), { ...tls }),
    );
  }
  // Workers run as an unprivileged user when nginx is started as root: they must reach temp/.
  chmodSync(prefix, 0o755);
  const site = path.join(prefix, 'conf.d', 'healthsync.conf');
  writeFileSync(site, renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), { ...variables }));
  const conf = path.join(prefix, 'nginx.conf');
  const at = (...parts: string[]) => path.join(prefix, ...parts);
  writeFileSync(
    conf,
    [
      '# Written by npm start for this run (gateway/src/stack/nginx.ts); edit nginx/healthsync.conf.template instead.',
      'worker_processes 1;',
      `pid ${at('nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      `  access_log ${at('logs', 'access.log')};`,
      `  client_body_temp_path ${at('temp', 'body')};`,
      `  proxy_temp_path ${at('temp', 'proxy')};`,
      `  fastcgi_temp_path ${at('temp', 'fastcgi')};`,
      `  uwsgi_temp_path ${at('temp', 'uwsgi')};`,
      `  scgi_temp_path ${at('temp', 'scgi')};`,
      `  include ${site};`,
      '}',
      '',
    ].join('\n'),
  );
  return conf;
}

/** Runs nginx in the foreground (`daemon off`) on `conf` under `prefix`; SIGQUIT is its graceful stop. */
export function runNginx(options: {
  bin: string;
  prefix: string;
  conf: string;
  output: ChildOutput;
  onOutput?: ChildOutputListener | undefined;
}): ManagedChild {
  return spawnChild({
    name: 'nginx',
    command: options.bin,
    args: ['-p', options.prefix, '-c', options.conf, '-e', 'stderr', '-g', 'daemon off;'],
    cwd: options.prefix,
    env: { PATH: process.env.PATH ?? '' },
    output: options.output,
    onOutput: options.onOutput,
  });
}

/**
 * Asks nginx whether it accepts `conf` (`nginx -t`), before anything else starts: a refusal is one
 * line with nginx's own reason.
 */
export function checkNginxConfig(options: { bin: string; prefix: string; conf: string }): void {
  const result = spawnSync(options.bin, ['-t', '-q', '-p', options.prefix, '-c', options.conf, '-e', 'stderr'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 10_000,
  });
  if (result.status === 0) return;
  const reason =
    result.error?.message ??
    `${result.stderr}`
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .find((line) => /\[(emerg|alert|crit|error)\]/.test(line)) ??
    `exit code ${result.status}`;
  throw new StackStartError(
    `nginx refused its configuration: ${reason}; check nginx/healthsync.conf.template and the EDGE_* settings`,
  );
}
