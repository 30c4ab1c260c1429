import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { type Logger, RateLimitedError } from '@healthsync/orm';
import type { GatewayContext } from './context.js';
import type { SubgraphReplicas } from './replicas.js';

/** The anonymous operations that need password work (argon2) at the users subgraph. */
const PASSWORD_FIELDS = new Set(['signUp', 'login']);

/** The longest the gateway refuses on one replica's word. */
const MAX_FULL_MS = 60_000;

/** How often, at most, the gateway logs that it is refusing sign-ups and sign-ins. */
const LOG_EVERY_MS = 10_000;

/** True when every root field of `operation` is a sign-up or sign-in (`__typename` aside). */
export function isPasswordWork(operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'mutation') return false;
  let any = false;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return false;
    if (selection.name.value === '__typename') continue;
    if (!PASSWORD_FIELDS.has(selection.name.value)) return false;
    any = true;
  }
  return any;
}

/**
 * The users subgraph's password work as the gateway last heard of it: a replica whose answer
 * carried PASSWORD_WORK_FULL_HEADER takes no sign-up or sign-in until then. While every replica is
 * full, the gateway answers sign-ups and sign-ins itself — HTTP 429, RATE_LIMITED with
 * retryAfter, what the subgraph would have answered — so a flood from many addresses costs the
 * subgraph and its database nothing until the queue has room. Other operations pass as ever.
 */
export class PasswordWorkGate {
  private readonly fullUntil = new Map<string, number>();
  private replicas: SubgraphReplicas | undefined;
  private refused = 0;
  private loggedAt = Number.NEGATIVE_INFINITY;

  /** `now`: a monotonic clock in ms (a wall clock set back would keep the gate shut). */
  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The users subgraph's replicas (set as the gateway builds its data sources). */
  watch(replicas: SubgraphReplicas): void {
    this.replicas = replicas;
    this.fullUntil.clear();
  }

  /** `replica` answered that its queue takes work again in `roomInMs` (a minute at most). */
  full(replica: URL, roomInMs: number): void {
    if (!(roomInMs > 0)) return;
    this.fullUntil.set(replica.href, this.now() + Math.min(roomInMs, MAX_FULL_MS));
  }

  /**
   * Milliseconds until some replica in rotation takes password work again; 0 when one does now
   * (with every replica down, each counts, as each is tried).
   */
  fullForMs(): number {
    if (!this.replicas || this.fullUntil.size === 0) return 0;
    const now = this.now();
    const inRotation = this.replicas.replicas.filter((replica) => replica.up);
    let soonest = Number.POSITIVE_INFINITY;
    for (const { url } of inRotation.length ? inRotation : this.replicas.replicas)
      soonest = Math.min(soonest, (this.fullUntil.get(url.href) ?? 0) - now);
    return Math.min(MAX_FULL_MS, Math.max(0, soonest));
  }

  /** Refuses a sign-up or sign-in at once while every replica is full. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    // One listener for every request: nothing is allocated per request.
    const listener: GraphQLRequestListener<GatewayContext> = {
      didResolveOperation: async ({ operation }) => {
        // Every request passes here: the cheap look at its operation first, the clock only for a sign-up or sign-in.
        if (!operation || !isPasswordWork(operation)) return;
        const ms = this.fullForMs();
        if (ms === 0) return;
        this.refused++;
        if (this.now() - this.loggedAt >= LOG_EVERY_MS) {
          this.logger.warn(
            { refused: this.refused },
            'password work full at the users service: refusing sign-ups and sign-ins at the gateway',
          );
          this.loggedAt = this.now();
          this.refused = 0;
        }
        throw new RateLimitedError(Math.max(1, Math.ceil(ms / 1000)), { status: 429 });
      },
    };
    return { requestDidStart: async () => listener };
  }
}
