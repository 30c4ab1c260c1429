/**
 * Access tokens are self-contained, so a deactivated user's token would stay valid until it
 * expires. The users subgraph therefore serves a short list: for each user whose tokens were cut
 * off recently (deactivation, password or role change), the instant before which their tokens are
 * refused. Every service keeps a cached copy, refreshed at most every `refreshMs`, and refuses to
 * verify anything with a copy older than `maxStaleMs`: a token is refused at most a minute after
 * its user was deactivated, even while the users subgraph is away.
 */

/** Where the users subgraph serves the revocation list. */
export const REVOCATIONS_PATH = '/internal/revocations';

/** Header carrying SUBGRAPH_SECRET from the gateway (and services) to a subgraph. */
export const SUBGRAPH_SECRET_HEADER = 'x-healthsync-subgraph-secret';

/**
 * Header in which the gateway tells a subgraph the client's address (sign-in throttling keys on
 * it). A subgraph believes it only from a caller it trusts: one that presented SUBGRAPH_SECRET,
 * or a loopback peer when no secret is configured (development).
 */
export const CLIENT_ADDRESS_HEADER = 'x-healthsync-client-address';

/** The document at REVOCATIONS_PATH: user id → epoch seconds before which their tokens are void. */
export interface RevocationList {
  notBefore: Record<string, number>;
}

export interface RevocationSource {
  /** Epoch seconds before which `userId`'s tokens are refused; undefined when none are. Throws when unknown. */
  notBeforeOf(userId: string): Promise<number | undefined>;
  /** Drops the cached copy (the users subgraph calls it right after it revokes). */
  invalidate(): void;
}

export interface RevocationCacheOptions {
  refreshMs?: number;
  maxStaleMs?: number;
}

/** A cached revocation list loaded by `load`; concurrent callers share one load. */
export function createRevocationCache(
  load: () => Promise<RevocationList>,
  { refreshMs = 30_000, maxStaleMs = 60_000 }: RevocationCacheOptions = {},
): RevocationSource {
  let current: { list: RevocationList; loadedAt: number } | undefined;
  let loading: Promise<void> | undefined;

  const refresh = () => {
    loading ??= load()
      .then((list) => {
        current = { list, loadedAt: Date.now() };
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return {
    async notBeforeOf(userId) {
      const age = current ? Date.now() - current.loadedAt : Number.POSITIVE_INFINITY;
      if (age > maxStaleMs) await refresh();
      else if (age > refreshMs) refresh().catch(() => {}); // the copy is still fresh enough to answer now
      const list = current?.list;
      if (!list) throw new Error('no revocation list');
      return Object.hasOwn(list.notBefore, userId) ? list.notBefore[userId] : undefined;
    },
    invalidate() {
      current = undefined;
    },
  };
}

function isRevocationList(value: unknown): value is RevocationList {
  if (typeof value !== 'object' || value === null) return false;
  const { notBefore } = value as { notBefore?: unknown };
  return (
    typeof notBefore === 'object' &&
    notBefore !== null &&
    Object.values(notBefore).every((seconds) => Number.isInteger(seconds))
  );
}

/**
 * The revocation list of the users subgraph at `url` (its origin + REVOCATIONS_PATH), sent with
 * the subgraph secret when there is one.
 */
export function createRemoteRevocations(
  url: string,
  options: RevocationCacheOptions & { subgraphSecret?: string | undefined } = {},
): RevocationSource {
  return createRevocationCache(async () => {
    const response = await fetch(url, {
      headers: options.subgraphSecret ? { [SUBGRAPH_SECRET_HEADER]: options.subgraphSecret } : {},
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`revocation list: HTTP ${response.status}`);
    const body: unknown = await response.json();
    if (!isRevocationList(body)) throw new Error('revocation list: unexpected shape');
    return body;
  }, options);
}

/** The revocation list URL beside a users subgraph's JWKS URL. */
export function revocationsUrlFor(jwksUrl: string): string {
  return new URL(REVOCATIONS_PATH, jwksUrl).toString();
}
