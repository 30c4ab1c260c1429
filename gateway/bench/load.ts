import autocannon from 'autocannon';

/** What one load run measured; latencies in milliseconds. */
export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Transport errors and timeouts. */
  errors: number;
  /** HTTP status outside 2xx. */
  non2xx: number;
  /** HTTP 2xx whose GraphQL body carried `errors` (a failed operation is not a served request). */
  graphqlErrors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Request bodies, sent in turn (each connection starts at its own offset). */
  bodies: string[];
  /**
   * Requests per second offered across all connections, whatever the answers' speed (a flood's
   * rate is the sender's); unset, each connection sends its next request when answered.
   */
  overallRate?: number | undefined;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** POSTs `bodies` to `url` from `connections` keep-alive connections for `durationSeconds`. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let next = 0;
  const bodies = options.bodies;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: 10,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...options.headers },
            setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] as string }),
            onResponse: (status, body) => {
              if (status >= 200 && status < 300 && body.includes('"errors"')) graphqlErrors++;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        resolve({
          requests: latencies.length,
          requestsPerSecond: latencies.length / options.durationSeconds,
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
          errors: result.errors,
          non2xx: result.non2xx,
          graphqlErrors,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

/** One request, checked: the bench refuses to measure an operation that does not succeed. */
export async function graphqlRequest<T = Record<string, unknown>>(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const result = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!response.ok || result.errors || !result.data)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(result.errors ?? result).slice(0, 300)}`);
  return result.data;
}
