import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';
import { type ChannelHandlers, type ChannelListener, listenOnChannel } from '@healthsync/orm/database';
import {
  createRevocationCache,
  REVOCATION_STREAM_TYPE,
  type RevocationMessage,
  type RevocationPush,
  type RevocationSource,
} from '@healthsync/orm/auth';
import type { Logger } from '@healthsync/orm';
import type { UsersConfig } from './environment.js';
import { loadCutoff, loadRevocationList } from './tokens.js';

/** The PostgreSQL channel on which `users.account`'s trigger names each user cut off, as the change commits. */
export const REVOCATION_CHANNEL = 'healthsync_revocations';

/** How often a stream says it is alive (the other end gives up after 15 s of silence). */
const PING_MS = 5_000;

export interface RevocationHub {
  /** This process's copy of the list (what its own verifier reads), kept current by the channel. */
  revocations: RevocationSource;
  /** GET REVOCATIONS_PATH: the list as JSON, or with `Accept: application/x-ndjson` the stream. */
  serve(req: Request, res: Response): Promise<void>;
  /** Ends every stream and refuses new ones (the service is stopping). */
  stopStreaming(): void;
  close(): Promise<void>;
}

/**
 * Pushes revocations from the database to every verifier: this replica LISTENs on
 * REVOCATION_CHANNEL (so it hears the cut-offs every replica and the admin CLI make), updates
 * its own copy and streams each cut-off to the services subscribed to it (gateway, patients).
 * While the channel is down no stream is served, so that the subscribers poll instead: a stream
 * that is up never misses a cut-off.
 */
export function createRevocationHub(
  orm: MikroORM,
  config: UsersConfig,
  logger: Logger,
  { listen }: { listen: boolean },
): RevocationHub {
  const pushes = new Set<RevocationPush>();
  const streams = new Set<{ send(message: RevocationMessage): void; end(): void }>();
  let streaming = true;
  let channel: ChannelListener | undefined;

  const handlers: ChannelHandlers = {
    connected() {
      for (const push of pushes) push.connected();
    },
    notification(userId) {
      loadCutoff(orm.em.fork(), config, userId).then(
        (notBefore) => {
          for (const push of pushes) push.cutoff(userId, notBefore);
          for (const stream of streams) stream.send({ type: 'cutoff', userId, notBefore });
        },
        (error: unknown) => {
          // The change is committed but cannot be told: the subscribers must reload instead.
          logger.error({ err: error }, 'revocation not pushed; streams restarted');
          for (const push of pushes) push.connected();
          for (const stream of streams) stream.end();
        },
      );
    },
    disconnected() {
      logger.warn('revocation channel lost: reconnecting; subscribers poll meanwhile');
      for (const push of pushes) push.disconnected();
      for (const stream of streams) stream.end();
    },
  };

  // Without the channel (an in-process test server) the copy is polled, and no stream is served.
  if (listen) channel = listenOnChannel(config.USERS_DATABASE_URL, REVOCATION_CHANNEL, handlers);
  const revocations = createRevocationCache(() => loadRevocationList(orm.em.fork(), config), {
    feed: channel
      ? (push) => {
          pushes.add(push);
          // Stryker disable next-line ConditionalExpression,OptionalChaining: the gap between the hub's start and its LISTEN cannot be held open from a test; `channel` is set whenever this feed is
          if (channel?.listening) push.connected();
          // Stryker disable next-line ArrowFunction: a closed copy is never read again; what is pushed to it changes nothing seen
          return () => pushes.delete(push);
        }
      : undefined,
  });

  async function stream(req: Request, res: Response): Promise<void> {
    if (!streaming || !channel?.listening) {
      res
        .status(503)
        .json({ errors: [{ message: 'Revocation stream unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return;
    }
    // Cut-offs that happen while the snapshot loads are held, then sent after it.
    const held: RevocationMessage[] = [];
    // Stryker disable next-line BooleanLiteral: needs a cut-off to commit while the snapshot's query runs (milliseconds), which a test cannot hold open
    let live = false;
    const write = (message: RevocationMessage) => res.write(`${JSON.stringify(message)}\n`);
    const entry = {
      send: (message: RevocationMessage) => (live ? write(message) : held.push(message)),
      end: () => res.end(),
    };
    streams.add(entry);
    const ping = setInterval(() => write({ type: 'ping' }), PING_MS);
    // Stryker disable next-line StringLiteral,BlockStatement: a closed stream's entry and ping kept only write to a closed response (dropped); nothing a subscriber sees
    req.on('close', () => {
      clearInterval(ping);
      streams.delete(entry);
    });
    res.writeHead(200, { 'content-type': REVOCATION_STREAM_TYPE, 'cache-control': 'no-store' });
    try {
      write({ type: 'snapshot', ...(await loadRevocationList(orm.em.fork(), config)) });
    } catch (error) {
      logger.error({ err: error }, 'revocation stream: no snapshot');
      res.end();
      return;
    }
    live = true;
    for (const message of held) write(message);
  }

  return {
    revocations,
    async serve(req, res) {
      res.setHeader('cache-control', 'no-store');
      if (req.headers.accept?.includes(REVOCATION_STREAM_TYPE)) return stream(req, res);
      res.json(await loadRevocationList(orm.em.fork(), config));
    },
    stopStreaming() {
      streaming = false;
      for (const stream of streams) stream.end();
    },
    async close() {
      revocations.close();
      await channel?.close();
    },
  };
}
