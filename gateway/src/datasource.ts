import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { CLIENT_ADDRESS_HEADER, SUBGRAPH_SECRET_HEADER } from '@healthsync/orm';
import { GraphQLError } from 'graphql';
import { Agent } from 'undici';
import type { GatewayContext } from './context.js';
import { type EntityCache, isEntitiesFetch } from './entity-cache.js';

/**
 * Headers a subgraph needs from the client's request: it re-verifies the token, logs the same id
 * and throttles sign-ins by the client's address.
 */
const FORWARDED_HEADERS = ['authorization', 'x-request-id', CLIENT_ADDRESS_HEADER] as const;

/**
 * The connection pool behind every subgraph request of this process: undici, with keep-alive, so
 * a query plan's fetches reuse warm connections instead of paying a TCP handshake each.
 */
export function createSubgraphAgent(): Agent {
  return new Agent({
    connections: 64, // per subgraph origin, busy or idle
    // An idle connection is dropped after this long: below the subgraphs' 75 s server
    // keepAliveTimeout (orm/src/http/service.ts), so the gateway always closes it first.
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 30_000,
    // A subgraph that does not answer within the gateway's own request timeout has failed.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
}

/** What a subgraph answered outside 2xx, as Apollo's own data source reports it. */
function httpError(url: string, status: number, body: unknown): GraphQLError {
  const statusText = STATUS_CODES[status] ?? '';
  const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : undefined;
  return new GraphQLError(`${status}: ${statusText}`, {
    extensions: { response: { url, status, statusText, body }, ...(code ? { code } : {}) },
  });
}

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  const json = type?.startsWith('application/json') || type?.startsWith('application/graphql-response+json');
  return json ? JSON.parse(text) : text;
}

/**
 * A subgraph as the gateway calls it: one POST of the fetch's operation through the shared undici
 * pool, with the caller's `authorization`, request id and address, and the shared subgraph secret
 * when one is configured.
 *
 * Written against Apollo's GraphQLDataSource interface rather than by extending
 * RemoteGraphQLDataSource: that class builds fetch-API Headers, Request and Response objects
 * for every call (node-fetch alone: 8% of the gateway's profile samples under load). Its other
 * features are not used here: APQ between gateway and subgraphs is off, and the subgraphs'
 * Cache-Control is not merged into the answer (every HealthSync answer is `no-store`).
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: string;
  private readonly origin: string;
  private readonly path: string;
  private readonly agent: Agent;
  private readonly subgraphSecret: string | undefined;
  private readonly entityCache: EntityCache | undefined;

  constructor(options: {
    url: string;
    agent: Agent;
    subgraphSecret?: string | undefined;
    /** Set for a subgraph whose `_entities` answers the gateway may keep (README "Performance"). */
    entityCache?: EntityCache | undefined;
  }) {
    const url = new URL(options.url);
    this.url = options.url;
    this.origin = url.origin;
    this.path = `${url.pathname}${url.search}`;
    this.agent = options.agent;
    this.subgraphSecret = options.subgraphSecret;
    this.entityCache = options.entityCache;
  }

  async process({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { query, variables, operationName, extensions } = request;
    if (!query) throw new Error('Missing query');
    // Health checks and schema loading run without a client request, hence without a context.
    const incoming = context as Partial<GatewayContext> | undefined;
    const post = (sentVariables: typeof variables) =>
      this.post(incoming?.forwardedHeaders, { query, variables: sentVariables, operationName, extensions });
    const viewer = incoming?.viewer;
    if (this.entityCache && viewer && isEntitiesFetch(query, variables))
      return this.entityCache.resolve(
        {
          scope: `${viewer.userId}:${viewer.role}`,
          query,
          variables: variables as Record<string, unknown>,
          fresh: incoming.wantsFreshEntities,
        },
        (representations) => post({ ...variables, representations }),
      );
    return post(variables);
  }

  /** One POST of `operation` to this subgraph, with the forwarded headers. */
  private async post(
    incoming: GatewayContext['forwardedHeaders'] | undefined,
    operation: { query: string; variables: unknown; operationName: unknown; extensions: unknown },
  ): Promise<GatewayGraphQLResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.subgraphSecret) headers[SUBGRAPH_SECRET_HEADER] = this.subgraphSecret;
    if (incoming)
      for (const name of FORWARDED_HEADERS) {
        const value = incoming[name];
        if (value) headers[name] = value;
      }
    const response = await this.agent.request({
      origin: this.origin,
      path: this.path,
      method: 'POST',
      headers,
      body: JSON.stringify(operation),
    });
    const body = parseBody(await response.body.text(), response.headers['content-type']);
    if (response.statusCode < 200 || response.statusCode >= 300) throw httpError(this.url, response.statusCode, body);
    if (typeof body !== 'object' || body === null)
      throw new Error(`Expected JSON response body, but received: ${body}`);
    return body as GatewayGraphQLResponse;
  }
}
