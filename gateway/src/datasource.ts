import http from 'node:http';
import https from 'node:https';
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { CLIENT_ADDRESS_HEADER, SUBGRAPH_SECRET_HEADER } from '@healthsync/orm';
import fetch from 'node-fetch';
import type { GatewayContext } from './context.js';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Headers a subgraph needs from the client's request: it re-verifies the token, logs the same id
 * and throttles sign-ins by the client's address.
 */
const FORWARDED_HEADERS = ['authorization', 'x-request-id', CLIENT_ADDRESS_HEADER] as const;

/**
 * The fetcher the gateway uses for every subgraph request: node-fetch 2 over Node's own agents
 * with keep-alive, so a query plan's fetches reuse warm TCP connections instead of paying a
 * handshake each. Chosen over Apollo's default (make-fetch-happen, built for npm's HTTP cache
 * and retry needs we do not have) and over the global fetch (undici, whose pool cannot be tuned
 * without the undici package): one small, explicit pool per process whose limits are ours.
 */
export function createSubgraphFetcher(): { fetcher: Fetcher; destroy(): void } {
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    maxSockets: 64, // open connections per subgraph host, busy or idle
    maxFreeSockets: 16,
    // On an idle pooled socket Node's agent turns this timeout into closing the socket: below the
    // subgraphs' 75 s server keepAliveTimeout (orm/src/http/service.ts), so we drop it first.
    timeout: 30_000,
    scheduling: 'lifo', // reuse the warmest socket; surplus ones idle out
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const fetcher = ((url: string, init?: Parameters<Fetcher>[1]) =>
    fetch(url, {
      ...(init as object),
      agent: (parsed: URL) => (parsed.protocol === 'https:' ? httpsAgent : httpAgent),
    })) as unknown as Fetcher;
  return {
    fetcher,
    destroy: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * A subgraph as the gateway calls it: the caller's `authorization` and request id go along, and
 * the shared subgraph secret when one is configured.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly subgraphSecret: string | undefined;

  constructor({ subgraphSecret, ...config }: { url: string; fetcher: Fetcher; subgraphSecret?: string | undefined }) {
    super(config);
    this.subgraphSecret = subgraphSecret;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (this.subgraphSecret) request.http?.headers.set(SUBGRAPH_SECRET_HEADER, this.subgraphSecret);
    // Health checks and schema loading run without a client request, hence without a context.
    const incoming = (context as Partial<GatewayContext> | undefined)?.forwardedHeaders;
    if (!incoming) return;
    for (const name of FORWARDED_HEADERS) {
      const value = incoming[name];
      if (value) request.http?.headers.set(name, value);
    }
  }
}
