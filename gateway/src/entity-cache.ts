import { createHash } from 'node:crypto';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';

/** One `_entities` fetch of a query plan: the subgraph's query, its variables and who asks. */
export interface EntitiesFetch {
  /** Whose answers these are: a cached answer is only ever served to the same viewer (user and role). */
  scope: string;
  query: string;
  /** The fetch's variables, `representations` included. */
  variables: Record<string, unknown>;
  /** Fetch every entity afresh (the client sent `Cache-Control: no-cache`), then keep the answers. */
  fresh?: boolean;
}

type Representation = unknown;
type GraphQLErrorShape = NonNullable<GatewayGraphQLResponse['errors']>[number];

export interface EntityCacheOptions {
  /** How long an answer is served from memory (staleness bound); 0 turns the cache off. */
  ttlSeconds: number;
  /** Bound on the entries kept (least recently used go first). */
  maxEntries: number;
}

/**
 * Whether `variables` belong to an `_entities` fetch, the only fetches this cache takes: the
 * query planner sends the entities it needs as the `representations` list.
 */
export function isEntitiesFetch(query: string, variables: Record<string, unknown> | undefined): boolean {
  return Array.isArray(variables?.representations) && query.includes('_entities(representations:$representations)');
}

/** Where an error points inside `_entities` (its index), if it points at one entity. */
function entityIndexOf(error: GraphQLErrorShape): number | undefined {
  const [root, index] = error.path ?? [];
  return root === '_entities' && typeof index === 'number' ? index : undefined;
}

/**
 * A private, per-entity cache of one subgraph's `_entities` answers in the gateway (what Apollo
 * Router calls entity caching): a query plan's fetch asks the subgraph only for the entities this
 * viewer has not been shown within the TTL, and merges the rest from memory, in order.
 *
 * Private: the key holds the viewer's user id and role, so whatever the subgraph's rules on who
 * may read what, an answer goes back only to the viewer it was made for, and only while that
 * viewer's token still passes the gateway's check (done before any planning). Only entities the
 * subgraph answered without an error are kept. A client that sends `Cache-Control: no-cache` gets
 * every entity from the subgraph, and what it got replaces what was kept for it.
 */
export class EntityCache {
  /** Kept as JSON text: each answer gets its own copy, which the gateway may merge into freely. */
  private readonly entries: LRUCache<string, string>;

  constructor(options: EntityCacheOptions) {
    this.entries = new LRUCache<string, string>({ max: options.maxEntries, ttl: options.ttlSeconds * 1000 });
  }

  /**
   * Answers `fetch` from memory where it can and through `send` (the same fetch with the missing
   * representations only) for the rest. Error paths of the subgraph's answer are renumbered to
   * the full list, so the gateway places each error on the right entity.
   */
  async resolve(
    fetch: EntitiesFetch,
    send: (representations: Representation[]) => Promise<GatewayGraphQLResponse>,
  ): Promise<GatewayGraphQLResponse> {
    const { representations, ...rest } = fetch.variables as { representations: Representation[] };
    const prefix = createHash('sha256')
      .update(fetch.scope)
      .update('\0')
      .update(fetch.query)
      .update('\0')
      .update(JSON.stringify(rest))
      .digest('base64url');
    const keys = representations.map((representation) => `${prefix}:${JSON.stringify(representation)}`);
    const found: unknown[] = keys.map((key) => {
      const text = fetch.fresh ? undefined : this.entries.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    });
    const missing = found.flatMap((entity, index) => (entity === undefined ? [index] : []));
    if (missing.length === 0) return { data: { _entities: found } };

    const answer = await send(missing.map((index) => representations[index]));
    const fetched = (answer.data as { _entities?: unknown } | null | undefined)?._entities;
    const complete = Array.isArray(fetched) && fetched.length === missing.length;
    const errors = answer.errors?.map((error) => {
      const index = entityIndexOf(error);
      if (index === undefined) return error;
      return { ...error, path: ['_entities', missing[index] ?? index, ...(error.path?.slice(2) ?? [])] };
    });
    if (!complete) return missing.length === keys.length ? answer : { ...answer, errors };

    // An error about the whole fetch leaves nothing worth keeping; one about an entity, that entity.
    const failed = new Set(answer.errors?.map(entityIndexOf));
    const keep = !failed.has(undefined);
    const entities = [...found];
    missing.forEach((original, position) => {
      const entity: unknown = fetched[position];
      entities[original] = entity;
      if (keep && entity && typeof entity === 'object' && !failed.has(position))
        this.entries.set(keys[original] as string, JSON.stringify(entity));
    });
    return { ...answer, data: { ...answer.data, _entities: entities }, ...(errors ? { errors } : {}) };
  }
}
