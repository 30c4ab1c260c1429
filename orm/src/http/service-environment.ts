import { z } from 'zod';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '../auth/tokens.js';
import { env } from '../environment.js';
import { type GraphQLLimits, graphqlLimitsEnvironment } from './security.js';

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
