import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '../auth/tokens.js';
import { env } from '../environment.js';
import { type GraphQLLimits, graphqlLimitsEnvironment } from './security.js';

/** The names express (proxy-addr) gives to address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `loopback`, `10.0.0.0/8`, `172.18.0.0/255.255.0.0`, `::1`… as express's `trust proxy` reads them. */
function isTrustableAddress(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  if (rest.length || !isIP(address)) return false;
  return bits === undefined || /^\d{1,3}$/.test(bits) || isIP(bits) === 4;
}

/**
 * express's `trust proxy`: which peers' X-Forwarded-For is believed for `req.ip` (a hop count, or
 * addresses, subnets and range names separated by commas). Checked here, so a typo is listed with
 * the other bad variables instead of failing later inside express.
 */
const trustProxy = () =>
  z
    .string()
    .default('loopback')
    .refine((value) => /^\d+$/.test(value) || value.split(',').every((entry) => isTrustableAddress(entry.trim())), {
      message: 'a hop count, or addresses, subnets (a.b.c.d/n) and loopback, linklocal or uniquelocal, comma-separated',
    })
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value));

/**
 * The settings every HTTP service (gateway and subgraphs) reads the same way, to spread into its
 * environment schema: `z.object({ ...serviceEnvironment({ port: 4001, limits: SUBGRAPH_LIMITS }), … })`.
 */
export function serviceEnvironment(defaults: { port: number; limits: GraphQLLimits }) {
  return {
    NODE_ENV: env.nodeEnv(),
    LOG_LEVEL: env.logLevel(),
    HOST: z.string().default('0.0.0.0'),
    PORT: env.port(defaults.port),
    /** Largest accepted JSON body. */
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(kb|mb)$/)
      .default('100kb'),
    /** Which peers may tell the client's address in X-Forwarded-For (NGINX in another container). */
    TRUST_PROXY: trustProxy(),
    ...graphqlLimitsEnvironment(defaults.limits),
    JWT_ISSUER: z.string().default(DEFAULT_TOKEN_ISSUER),
    JWT_AUDIENCE: z.string().default(DEFAULT_TOKEN_AUDIENCE),
    /**
     * Shared between the gateway and the subgraphs: the gateway sends it on every subgraph request;
     * a subgraph given it refuses /graphql and /internal requests without it.
     */
    SUBGRAPH_SECRET: z.string().min(32).optional(),
  };
}

/** The settings the production check reads, whatever else a service's schema holds. */
type ServiceSettings = { NODE_ENV: string; SUBGRAPH_SECRET?: string | undefined };

/**
 * A service's environment schema with the checks across its variables: in production the
 * subgraph secret is required, since without it a subgraph answers anyone who reaches its port,
 * past the gateway's checks. Each service's load function parses with it.
 */
export function withServiceChecks<T extends z.ZodType<ServiceSettings>>(schema: T): T {
  return schema.superRefine((config, context) => {
    if (config.NODE_ENV === 'production' && !config.SUBGRAPH_SECRET)
      context.addIssue({
        code: 'custom',
        path: ['SUBGRAPH_SECRET'],
        message:
          'required when NODE_ENV=production (32+ characters, the same in the gateway and every subgraph; or SUBGRAPH_SECRET_FILE)',
      });
  });
}
