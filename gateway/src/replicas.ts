import { HEALTH_PATHS } from '@healthsync/orm/http';

/** One replica of a subgraph: where it is, and whether the gateway sends it requests now. */
export interface SubgraphReplica {
  url: URL;
  up: boolean;
}

/**
 * The replicas of one subgraph (USERS_URL / PATIENTS_URL with several comma-separated URLs): taken
 * in turn, each on its own keep-alive pool (the undici agent keeps one per origin). A replica that
 * refused or dropped a connection is skipped until its liveness endpoint answers again (probed
 * every `probeIntervalMs`); with every replica down, each is tried anyway.
 */
export class SubgraphReplicas {
  readonly replicas: SubgraphReplica[];
  private next = 0;
  private readonly probes = new Set<NodeJS.Timeout>();

  constructor(
    urls: string[],
    private readonly probeIntervalMs = 1_000,
  ) {
    if (!urls.length) throw new Error('a subgraph needs at least one URL');
    this.replicas = urls.map((url) => ({ url: new URL(url), up: true }));
  }

  /** The replicas to try for one request, in order: the next one in turn first, then the others that are up. */
  order(): SubgraphReplica[] {
    const start = this.next++ % this.replicas.length;
    const rotated = [...this.replicas.slice(start), ...this.replicas.slice(0, start)];
    const up = rotated.filter((replica) => replica.up);
    return up.length ? up : rotated;
  }

  /** Takes `replica` out of rotation until its liveness endpoint answers. */
  markDown(replica: SubgraphReplica): void {
    if (!replica.up) return;
    replica.up = false;
    const probe = setInterval(async () => {
      const answered = await fetch(new URL(HEALTH_PATHS.live, replica.url), {
        signal: AbortSignal.timeout(this.probeIntervalMs),
      }).then(
        (response) => response.ok,
        () => false,
      );
      if (!answered || !this.probes.has(probe)) return;
      replica.up = true;
      clearInterval(probe);
      this.probes.delete(probe);
    }, this.probeIntervalMs);
    probe.unref();
    this.probes.add(probe);
  }

  close(): void {
    for (const probe of this.probes) clearInterval(probe);
    this.probes.clear();
  }
}
