import pg from 'pg';

export interface ChannelHandlers {
  /** LISTEN is in place (again): notifications sent from now on arrive. */
  connected(): void;
  notification(payload: string): void;
  /** The connection was lost: notifications are missed until `connected` is called again. */
  disconnected(): void;
}

export interface ChannelListener {
  /** Whether LISTEN is in place right now. */
  readonly listening: boolean;
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * LISTENs on PostgreSQL channel `channel` over a connection of its own to `url` (LISTEN needs no
 * table rights), and reconnects with a backoff whenever that connection is lost.
 */
export function listenOnChannel(url: string, channel: string, handlers: ChannelHandlers): ChannelListener {
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let backoff = RECONNECT_MIN_MS;

  const lost = (lostClient: pg.Client) => {
    if (client !== lostClient) return;
    client = undefined;
    lostClient.end().catch(() => {});
    if (listening) {
      listening = false;
      handlers.disconnected();
    }
    if (closed) return;
    retry = setTimeout(connect, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
  };

  const connect = () => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
    client = next;
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.notification(message.payload ?? '');
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${next.escapeIdentifier(channel)}`))
      .then(() => {
        if (client !== next || closed) return;
        listening = true;
        backoff = RECONNECT_MIN_MS;
        handlers.connected();
      })
      .catch(() => lost(next));
  };
  connect();

  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      listening = false;
      await current?.end().catch(() => {});
    },
  };
}
