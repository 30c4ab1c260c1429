/**
 * Access tokens are self-contained, so a deactivated user's token would stay valid until it
 * expires. The users subgraph therefore keeps a short list: for each user whose tokens were cut
 * off recently (deactivation, password or role change), the instant before which their tokens are
 * refused. Every service keeps a copy, and learns of each new cut-off as it happens:
 *
 * - pushed: the users subgraph announces each cut-off on a PostgreSQL channel (LISTEN/NOTIFY, so
 *   every users replica hears every other's) and streams it to the services that asked
 *   (REVOCATIONS_PATH with `Accept: application/x-ndjson`). A token is refused everywhere within
 *   milliseconds of the change.
 * - polled, as the backstop: the copy is reloaded every 30 s; while the stream is down, every
 *   second (each request waits for the reload), so the bound stays at about a second.
 * - fail-closed: a copy older than a minute (the users subgraph away) verifies nothing.
 */
import http from 'node:http';
import https from 'node:https';

/** Where the users subgraph serves the revocation list (JSON), or its stream (NDJSON). */
export const REVOCATIONS_PATH = '/internal/revocations';

/** The media type of the revocation stream: one RevocationMessage (JSON) per line. */
export const REVOCATION_STREAM_TYPE = 'application/x-ndjson';

/** Header carrying SUBGRAPH_SECRET from the gateway (and services) to a subgraph. */
export const SUBGRAPH_SECRET_HEADER = 'x-healthsync-subgraph-secret';

/**
 * Header in which the gateway tells a subgraph the client's address (sign-in throttling keys on
 * it). A subgraph believes it only from a caller it trusts: one that presented SUBGRAPH_SECRET,
 * or a loopback peer when no secret is configured (development).
 */
export const CLIENT_ADDRESS_HEADER = 'x-healthsync-client-address';

/**
 * Header of a users subgraph answer that refused password work (sign-up, sign-in) because its
 * hashing queue is full: the milliseconds until it would take a task again. The gateway refuses
 * sign-ups and sign-ins itself until then (gateway/README.md, "Sign-up and sign-in floods").
 */
export const PASSWORD_WORK_FULL_HEADER = 'x-healthsync-password-work-full-ms';

/** The document at REVOCATIONS_PATH: user id → epoch seconds before which their tokens are void. */
export interface RevocationList {
  notBefore: Record<string, number>;
}

/**
 * One line of the revocation stream: first a full copy, then each cut-off as it happens (`null`:
 * the user has none any more), and a ping every few seconds so that a dead stream is noticed.
 */
export type RevocationMessage =
  | ({ type: 'snapshot' } & RevocationList)
  | { type: 'cutoff'; userId: string; notBefore: number | null }
  | { type: 'ping' };

/** How a push feed tells a revocation cache what it learnt. */
export interface RevocationPush {
  /** The feed is up. `list`: a full copy taken since it connected; without one the cache reloads. */
  connected(list?: RevocationList): void;
  /** `userId`'s cut-off changed: epoch seconds before which their tokens are void, or none. */
  cutoff(userId: string, notBefore: number | null): void;
  /** The feed is down (it reconnects by itself): until it is back, the cache polls every second. */
  disconnected(): void;
}

/** Starts pushing into `push`; returns what stops it. */
export type RevocationFeed = (push: RevocationPush) => () => void;

export interface RevocationSource {
  /** Epoch seconds before which `userId`'s tokens are refused; undefined when none are. Throws when unknown. */
  notBeforeOf(userId: string): Promise<number | undefined>;
  /** Drops the cached copy (the users subgraph calls it right after it revokes). */
  invalidate(): void;
  /** Stops the push feed, if any (when the service stops). */
  close(): void;
}

export interface RevocationCacheOptions {
  /** Reload the copy after this long, in the background (the backstop of the push feed). */
  refreshMs?: number;
  /** A copy older than this verifies nothing: every token is refused until a reload succeeds. */
  maxStaleMs?: number;
  /** While the feed is down: a request waits for a reload once the copy is older than this. */
  unpushedRefreshMs?: number;
  /** Cut-offs as they happen; started at the first lookup, stopped by `close`. */
  feed?: RevocationFeed | undefined;
}

function isNotBefore(value: unknown): value is Record<string, number> {
  return (
    typeof value === 'object' && value !== null && Object.values(value).every((seconds) => Number.isInteger(seconds))
  );
}

function isRevocationList(value: unknown): value is RevocationList {
  // Stryker disable next-line ConditionalExpression: a primitive has no notBefore, which isNotBefore refuses anyway
  return typeof value === 'object' && value !== null && isNotBefore((value as { notBefore?: unknown }).notBefore);
}

/**
 * A cached revocation list loaded by `load`, kept current by `feed` when there is one; concurrent
 * callers share one load.
 */
export function createRevocationCache(
  load: () => Promise<RevocationList>,
  { refreshMs = 30_000, maxStaleMs = 60_000, unpushedRefreshMs = 1_000, feed }: RevocationCacheOptions = {},
): RevocationSource {
  let current: { list: RevocationList; loadedAt: number } | undefined;
  let loading: Promise<void> | undefined;
  let lastFailureAt = Number.NEGATIVE_INFINITY;
  let pushed = false;
  let stopFeed: (() => void) | undefined;
  let closed = false;

  const replace = (list: RevocationList) => {
    current = { list, loadedAt: Date.now() };
  };
  const refresh = () => {
    loading ??= load()
      .then(replace, (error: unknown) => {
        lastFailureAt = Date.now();
        throw error;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const push: RevocationPush = {
    connected(list) {
      pushed = true;
      if (list) replace(list);
      else current = undefined;
    },
    cutoff(userId, notBefore) {
      if (!current) return; // the next load has it
      if (notBefore === null) delete current.list.notBefore[userId];
      else current.list.notBefore[userId] = notBefore;
    },
    disconnected() {
      pushed = false;
    },
  };

  return {
    async notBeforeOf(userId) {
      if (feed && !stopFeed && !closed) stopFeed = feed(push);
      const now = Date.now();
      const age = current ? now - current.loadedAt : Number.POSITIVE_INFINITY;
      const unpushed = feed !== undefined && !pushed;
      if (age > maxStaleMs) await refresh();
      else if (unpushed && age > unpushedRefreshMs) {
        // Without the push only a fresh copy keeps the bound: wait for one, unless the last try
        // has just failed (the users subgraph away: the copy serves until it is too old).
        if (now - lastFailureAt > unpushedRefreshMs) await refresh().catch(() => {});
      } else if (age > refreshMs) refresh().catch(() => {});
      // Stryker disable next-line ConditionalExpression,StringLiteral: a guard — past maxStaleMs the reload above threw already, and a copy is there once one loaded
      if (!current || Date.now() - current.loadedAt > maxStaleMs) throw new Error('no revocation list');
      const { notBefore } = current.list;
      return Object.hasOwn(notBefore, userId) ? notBefore[userId] : undefined;
    },
    invalidate() {
      current = undefined;
    },
    close() {
      closed = true;
      stopFeed?.();
      stopFeed = undefined;
    },
  };
}

export interface RemoteRevocationOptions extends RevocationCacheOptions {
  subgraphSecret?: string | undefined;
  /** Subscribe to the users subgraph's stream (default); false: poll only. */
  stream?: boolean;
}

const headersFor = (subgraphSecret: string | undefined): Record<string, string> =>
  subgraphSecret ? { [SUBGRAPH_SECRET_HEADER]: subgraphSecret } : {};

/**
 * The revocation list of the users subgraph at `url` (its origin + REVOCATIONS_PATH), sent with
 * the subgraph secret when there is one, and kept current by its stream.
 */
export function createRemoteRevocations(url: string, options: RemoteRevocationOptions = {}): RevocationSource {
  const { subgraphSecret, stream = true, ...cacheOptions } = options;
  return createRevocationCache(
    async () => {
      const response = await fetch(url, { headers: headersFor(subgraphSecret), signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`revocation list: HTTP ${response.status}`);
      const body: unknown = await response.json();
      if (!isRevocationList(body)) throw new Error('revocation list: unexpected shape');
      return body;
    },
    { ...cacheOptions, feed: stream ? revocationStream(url, subgraphSecret) : undefined },
  );
}

/** A stream that has said nothing for this long (pings come every few seconds) is dead. */
const STREAM_SILENCE_MS = 15_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

function parseMessage(line: string): RevocationMessage | undefined {
  try {
    const message = JSON.parse(line) as RevocationMessage;
    if (message.type === 'ping') return message;
    // Stryker disable next-line ConditionalExpression: the reader acts on a snapshot, a cut-off or a ping by type; another type carrying a list is ignored once up, or never brings it up
    if (message.type === 'snapshot' && isNotBefore(message.notBefore)) return message;
    if (
      message.type === 'cutoff' &&
      typeof message.userId === 'string' &&
      (message.notBefore === null || Number.isInteger(message.notBefore))
    )
      return message;
  } catch {}
  return undefined;
}

/**
 * The users subgraph's revocation stream at `url` as a feed: it reconnects with a backoff
 * whenever the stream ends, fails or falls silent. A line it cannot read ends the stream (the
 * cache then polls until the next connection's full copy): a cut-off is never silently skipped.
 */
export function revocationStream(url: string, subgraphSecret?: string): RevocationFeed {
  return (push) => {
    let stopped = false;
    let request: http.ClientRequest | undefined;
    let retry: NodeJS.Timeout | undefined;
    let backoff = RECONNECT_MIN_MS;

    const connect = () => {
      if (stopped) return;
      let silence: NodeJS.Timeout | undefined;
      let up = false;
      const down = () => {
        clearTimeout(silence);
        if (request !== current) return; // already handled
        request = undefined;
        current.destroy();
        if (up) push.disconnected();
        if (stopped) return;
        retry = setTimeout(connect, backoff);
        retry.unref();
        backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
      };
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(down, STREAM_SILENCE_MS);
        silence.unref();
      };
      const client = url.startsWith('https:') ? https : http;
      const current = client.get(url, { headers: { accept: REVOCATION_STREAM_TYPE, ...headersFor(subgraphSecret) } });
      request = current;
      heard();
      current.on('error', down);
      current.on('response', (response) => {
        if (response.statusCode !== 200 || !response.headers['content-type']?.startsWith(REVOCATION_STREAM_TYPE)) {
          response.resume();
          return down();
        }
        response.setEncoding('utf8');
        let buffered = '';
        response.on('data', (chunk: string) => {
          heard();
          buffered += chunk;
          for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            if (line.trim() === '') continue;
            const message = parseMessage(line);
            if (!message || (!up && message.type !== 'snapshot')) return down();
            if (message.type === 'snapshot') {
              up = true;
              backoff = RECONNECT_MIN_MS;
              push.connected({ notBefore: message.notBefore });
            } else if (message.type === 'cutoff') push.cutoff(message.userId, message.notBefore);
          }
        });
        response.on('end', down);
        response.on('error', down);
      });
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      request?.destroy();
      request = undefined;
    };
  };
}

/** The revocation list URL beside a users subgraph's JWKS URL. */
export function revocationsUrlFor(jwksUrl: string): string {
  return new URL(REVOCATIONS_PATH, jwksUrl).toString();
}
