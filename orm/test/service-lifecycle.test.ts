/**
 * The service shell as a real process (orm/test/fixtures/slow-service.ts under NODE_ENV=production):
 * SIGTERM turns readiness 503, lets an in-flight request finish, closes the pool and exits 0; every
 * GraphQL request leaves one log line with its id, operation, outcome and nothing of its variables.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { REPO_ROOT } from '../src/database/index.js';

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

interface Fixture {
  child: ChildProcess;
  url: string;
  lines: LogLine[];
  output: () => string;
  waitForLine: (msg: string) => Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function startFixture(shutdownDelayMs: number): Promise<Fixture> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'orm/test/fixtures/slow-service.ts'), String(shutdownDelayMs)],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.push(child);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  let text = '';
  const lines: LogLine[] = [];
  const waiters: { msg: string; resolve: (line: LogLine) => void }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const raw of complete.filter(Boolean)) {
      const line = JSON.parse(raw) as LogLine;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.msg === line.msg)) waiter.resolve(line);
    }
  });
  const waitForLine = (msg: string) => {
    const seen = lines.find((line) => line.msg === msg);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<LogLine>((resolve) => waiters.push({ msg, resolve })),
      exited.then(({ code }) => {
        throw new Error(`fixture exited (${code}) before logging "${msg}":\n${text}`);
      }),
    ]);
  };
  const ready = await waitForLine('lifecycle fixture ready');
  return { child, url: String(ready.url), lines, output: () => text, waitForLine, exited };
}

const graphql = (url: string, body: object, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('service lifecycle', () => {
  it('on SIGTERM turns readiness 503, finishes the in-flight request, closes the pool and exits 0', async () => {
    const fixture = await startFixture(1_500);
    const ready = await fetch(new URL('/health/ready', fixture.url));
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'up', stopping: false, dependencies: { database: 'up' } },
    ]);

    const slow = graphql(fixture.url, { query: '{ slow(ms: 2500) }' });
    await fixture.waitForLine('slow request started');
    fixture.child.kill('SIGTERM');
    await fixture.waitForLine('stopping');

    const stopping = await fetch(new URL('/health/ready', fixture.url));
    expect([stopping.status, await stopping.json()]).toEqual([
      503,
      { status: 'down', stopping: true, dependencies: {} },
    ]);

    const response = await slow;
    expect([response.status, await response.json()]).toEqual([200, { data: { slow: 'done' } }]);
    expect(await fixture.exited).toEqual({ code: 0, signal: null });
    // The response's log line may come after the pool closed: 'finish' fires once the bytes left.
    expect(fixture.lines.filter((line) => line.msg === 'request')).toEqual([expect.objectContaining({ status: 200 })]);
    const messages = fixture.lines.map((line) => line.msg);
    expect(messages.indexOf('pool closed')).toBeGreaterThan(messages.indexOf('stopping'));
    expect(messages.indexOf('lifecycle fixture stopped')).toBeGreaterThan(messages.indexOf('pool closed'));
  });

  it('logs one line per request: request id, operation, outcome, error codes, and no variables', async () => {
    const fixture = await startFixture(0);
    const failed = await graphql(
      fixture.url,
      {
        query: 'query Boom($name: String) { fail(name: $name) }',
        operationName: 'Boom',
        variables: { name: 'Jane Sensitive-Name' },
      },
      { 'x-request-id': 'lifecycle-req-1' },
    );
    expect(failed.headers.get('x-request-id')).toBe('lifecycle-req-1');
    expect((await failed.json()) as unknown).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    const succeeded = await graphql(fixture.url, { query: 'query Quick { slow(ms: 1) }' });
    const generatedId = succeeded.headers.get('x-request-id');
    await succeeded.json();
    // No GraphQL answer may be kept by a cache, whether it failed or not.
    expect([failed.headers.get('cache-control'), succeeded.headers.get('cache-control')]).toEqual([
      'no-store',
      'no-store',
    ]);

    fixture.child.kill('SIGTERM');
    expect(await fixture.exited).toEqual({ code: 0, signal: null });
    const requests = fixture.lines.filter((line) => line.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        requestId: 'lifecycle-req-1',
        method: 'POST',
        path: '/graphql',
        status: 200,
        operationName: 'Boom',
        outcome: 'error',
        errorCodes: ['BAD_USER_INPUT'],
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({ requestId: generatedId, operationName: 'Quick', outcome: 'success' }),
    ]);
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fixture.output()).not.toContain('Jane Sensitive-Name');
  });
});
