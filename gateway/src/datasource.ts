import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { PASSWORD_WORK_FULL_HEADER, CLIENT_ADDRESS_HEADER, SUBGRAPH_SECRET_HEADER } from '@healthsync/orm/auth';
import { type Logger, requestLogger, ServiceUnavailableError } from '@healthsync/orm';
import { GraphQLError } from 'graphql';
import { Agent, type Dispatcher } from 'undici';
import type { GatewayContext } from './context.js';
import { type EntityCache, isEntitiesFetch } from './entity-cache.js';
import type { PasswordWorkGate } from './password-work.js';
import type { SubgraphReplicas } from './replicas.js';

/**
 * Failures where the request never reached the subgraph (no connection was made): safe to send
 * to another replica, even a mutation.
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

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
    // Each request sets its own, shorter, limits (SUBGRAPH_TIMEOUT_SECONDS); these are the backstop.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
}

/**
 * A subgraph answer the gateway cannot pass on: neither a GraphQL response nor 2xx. It names the
 * status only: the body is withheld (from the client, and from the log the masked error goes to),
 * since it may repeat what the client sent, a patient's email or a password typed in the wrong field.
 */
function httpError(status: number): GraphQLError {
  const statusText = STATUS_CODES[status] ?? '';
  const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : undefined;
  return new GraphQLError(`subgraph answered HTTP ${status}${statusText ? ` ${statusText}` : ''}`, {
    extensions: code ? { code } : {},
  });
}

/** The body as JSON when it says it is JSON and parses; undefined otherwise (its text is never kept). */
function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  const json = type?.startsWith('application/json') || type?.startsWith('application/graphql-response+json');
  if (!json) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A GraphQL response: an object with `data` or an `errors` list (graphql-over-http). */
function isGraphQLResponse(body: unknown): body is GatewayGraphQLResponse {
  if (typeof body !== 'object' || body === null) return false;
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  return Array.isArray(errors) || typeof data === 'object'; // data: null is an answer too
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
  private readonly name: string;
  private readonly replicas: SubgraphReplicas;
  private readonly agent: Agent;
  private readonly subgraphSecret: string | undefined;
  private readonly entityCache: EntityCache | undefined;
  private readonly passwordWork: PasswordWorkGate | undefined;
  private readonly timeoutMs: number;
  private readonly logger: Logger;

  constructor(options: {
    /** The subgraph's name in the supergraph: what a client is told is unavailable. */
    name: string;
    /** The subgraph's replicas (one or more URLs), balanced in turn. */
    replicas: SubgraphReplicas;
    /** How long one fetch may wait for the subgraph's answer before its fields fail (SERVICE_UNAVAILABLE). */
    timeoutMs: number;
    logger: Logger;
    agent: Agent;
    subgraphSecret?: string | undefined;
    /** Set for a subgraph whose `_entities` answers the gateway may keep (gateway/README.md, "Entity cache"). */
    entityCache?: EntityCache | undefined;
    /** Set for the users subgraph: told when a replica's password work is full (PASSWORD_WORK_FULL_HEADER). */
    passwordWork?: PasswordWorkGate | undefined;
  }) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.logger = options.logger;
    this.replicas = options.replicas;
    this.agent = options.agent;
    this.subgraphSecret = options.subgraphSecret;
    this.entityCache = options.entityCache;
    this.passwordWork = options.passwordWork;
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
    let response: Dispatcher.ResponseData | undefined;
    let text = '';
    const body = JSON.stringify(operation);
    for (const replica of this.replicas.order()) {
      try {
        response = await this.agent.request({
          origin: replica.url.origin,
          path: `${replica.url.pathname}${replica.url.search}`,
          method: 'POST',
          headers,
          body,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        text = await response.body.text();
        const full = response.headers[PASSWORD_WORK_FULL_HEADER];
        if (full && this.passwordWork) this.passwordWork.full(replica.url, Number(full));
        break;
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? String(error);
        requestLogger(this.logger).warn({ subgraph: this.name, reason }, 'subgraph unavailable');
        this.replicas.markDown(replica);
        response = undefined;
        // Refused: the next replica gets it. Reset or timed out: it may have been carried out, so it
        // is not sent again; this subgraph's fields fail, the others' are answered. The client is
        // told which part is away, never where it runs.
        if (!NOT_SENT.has(reason)) break;
      }
    }
    if (!response) throw new ServiceUnavailableError(`The ${this.name} service is unavailable; retry shortly`);
    const answer = parseBody(text, response.headers['content-type']);
    // A subgraph that refused the request with GraphQL errors (a 400 for a value its schema
    // rejects, say) answered the client: its errors go on with their codes, whatever the status.
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    if (isGraphQLResponse(answer) && (ok || Array.isArray(answer.errors))) return answer;
    throw ok ? new GraphQLError('subgraph answered without a GraphQL response') : httpError(response.statusCode);
  }
}
