import { isIP } from 'node:net';
import path from 'node:path';
import { databaseUrlWithPassword, DEFAULT_DATA_DIR, REPO_ROOT } from '@healthsync/orm/database';
import { env, parseEnvironment } from '@healthsync/orm';
import { GATEWAY_LIMITS, serviceEnvironment, withServiceChecks } from '@healthsync/orm/http';
import { z } from 'zod';

/** The committed, composed supergraph (`npm run compose`): what the gateway serves by default. */
export const SUPERGRAPH_FILE = path.join(REPO_ROOT, 'gateway', 'supergraph.graphql');

/** A comma-separated list of URLs; unset: undefined (rover.yaml's). */
const urlsOrUnset = () =>
  env
    .urlList()
    .optional()
    .transform((urls) => (urls?.length ? urls : undefined));

/** Every setting of the gateway process; nothing else in this workspace's services reads process.env. */
export const GatewayEnvironment = z.object({
  ...serviceEnvironment({ port: 4000, limits: GATEWAY_LIMITS }),
  /**
   * Override rover.yaml's routing URLs (containers, tests, other ports): one URL, or each replica's,
   * comma-separated (balanced in turn, a dead one skipped until it answers).
   */
  USERS_URL: urlsOrUnset(),
  PATIENTS_URL: urlsOrUnset(),
  /** The users subgraph's public keys; the gateway checks every bearer token against them. */
  JWKS_URL: env.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  /** The composed supergraph (`npm run compose`); a container may mount another one. */
  SUPERGRAPH_FILE: z.string().default(SUPERGRAPH_FILE),
  /**
   * How long the gateway keeps a viewer's `User` entities from the users subgraph (seconds; the
   * staleness bound of a user's name, email or role in other subgraphs' answers); 0 turns it off.
   */
  ENTITY_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  /**
   * How long the gateway waits for one subgraph fetch (seconds): past it, that subgraph's fields
   * fail with SERVICE_UNAVAILABLE and the others are answered. Above the subgraphs' own database
   * timeouts, so a slow database is reported by its subgraph first.
   */
  SUBGRAPH_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
  /** Most `User` entities kept across viewers (least recently used go first). */
  ENTITY_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).default(10_000),
});
export type GatewayConfig = z.infer<typeof GatewayEnvironment>;

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env): GatewayConfig {
  return parseEnvironment(withServiceChecks(GatewayEnvironment), source);
}

/** One IP address, or a subnet in CIDR notation (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrSubnet(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const version = isIP(address);
  if (rest.length || version === 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

const replicaCount = () => z.coerce.number().int().min(1).max(8);

/** How many processes of each service `npm start` runs. */
export function replicasOf(config: StackConfig): { gateway: number; users: number; patients: number } {
  const all = config.REPLICAS ?? 1;
  return {
    gateway: config.GATEWAY_REPLICAS ?? all,
    users: config.USERS_REPLICAS ?? all,
    patients: config.PATIENTS_REPLICAS ?? all,
  };
}

/**
 * Settings of `npm start` (the launcher in src/stack/): which ports the stack takes, where its
 * data lives and whether nginx fronts it. The services it spawns read their own environments.
 */
export const StackEnvironment = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  /** Admin connection of an existing PostgreSQL; unset: the embedded one under DATA_DIR. */
  DATABASE_URL: env.url().optional(),
  /** Its password, when it is not in DATABASE_URL. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  /** The address the public entry listens on: this machine only, unless told otherwise. */
  EDGE_HOST: z
    .string()
    .refine((value) => isIP(value) !== 0, { message: 'an IP address to listen on (127.0.0.1, 0.0.0.0, ::)' })
    .default('127.0.0.1'),
  /** The public entry (nginx, or the gateway itself when nginx is not installed). */
  EDGE_PORT: env.port(8000),
  /** TLS at nginx: a PEM certificate (chain) and its key (both or neither). HTTPS on EDGE_TLS_PORT; EDGE_PORT then only redirects. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  EDGE_TLS_PORT: env.port(8443),
  /** The load balancer in front of nginx whose X-Forwarded-For names the client: an address or subnet. */
  EDGE_TRUSTED_PROXIES: z
    .string()
    .refine(isAddressOrSubnet, { message: 'one IP address or subnet (a.b.c.d/n), the load balancer in front of nginx' })
    .optional(),
  GATEWAY_PORT: env.port(4000),
  USERS_PORT: env.port(4001),
  PATIENTS_PORT: env.port(4002),
  /**
   * Processes of each service (the first on its port, the others on free ones): nginx balances the
   * gateways, each gateway the subgraphs'. REPLICAS sets all three; a per-service one wins.
   */
  REPLICAS: replicaCount().optional(),
  GATEWAY_REPLICAS: replicaCount().optional(),
  USERS_REPLICAS: replicaCount().optional(),
  PATIENTS_REPLICAS: replicaCount().optional(),
  /** nginx's limit per client address on /graphql: requests per second, and the burst served at once. */
  EDGE_RATE_LIMIT: z.coerce.number().int().min(1).default(50),
  EDGE_RATE_BURST: z.coerce.number().int().min(0).default(100),
  /** The nginx binary: a path, or a name looked up on PATH. */
  NGINX_BIN: z.string().default('nginx'),
  /** Fail instead of letting the gateway answer the edge port when nginx is missing (CI). */
  REQUIRE_NGINX: env.boolean(false),
});
export type StackConfig = z.infer<typeof StackEnvironment>;

const CheckedStackEnvironment = StackEnvironment.refine((c) => !c.TLS_CERT_FILE === !c.TLS_KEY_FILE, {
  message: 'TLS_CERT_FILE and TLS_KEY_FILE go together',
  path: ['TLS_KEY_FILE'],
});

export function loadStackConfig(source: Record<string, string | undefined> = process.env): StackConfig {
  const config = parseEnvironment(CheckedStackEnvironment, source);
  return {
    ...config,
    DATABASE_URL: config.DATABASE_URL && databaseUrlWithPassword(config.DATABASE_URL, config.DATABASE_PASSWORD),
  };
}
