import pg from 'pg';
import { EXTENSIONS, SUBGRAPH_DATABASES, type SubgraphName } from './subgraphs.js';

/** PostgreSQL could not be reached or refused us; the message is one line and holds no password. */
export class DatabaseUnavailableError extends Error {
  /** PostgreSQL's SQLSTATE when the server itself refused (3D000: no such database), else the socket error's code. */
  readonly code: string | undefined;

  constructor(url: string, cause: unknown) {
    const { hostname, port, pathname } = new URL(url);
    // A socket error's code (ECONNREFUSED) says it all; PostgreSQL's own refusals (no such
    // database, bad password: SQLSTATE codes) are clearer by their message, which holds no secret.
    const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
    const reason = cause instanceof Error ? (code && /^E[A-Z]+$/.test(code) ? code : cause.message) : String(cause);
    super(`cannot reach PostgreSQL at ${hostname}:${port || 5432}${pathname} (${reason})`);
    this.name = 'DatabaseUnavailableError';
    this.code = code;
  }
}

/** Runs `work` on one short-lived connection to `url`. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseUnavailableError(url, error);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
}

/** Creates the database named in `url` when it does not exist (optionally as a copy of `template`). */
export async function createDatabaseIfMissing(url: string, template?: string): Promise<void> {
  const name = databaseName(url);
  await withClient(withDatabase(url, 'postgres'), async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${from}`);
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withClient(withDatabase(url, 'postgres'), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/**
 * Makes `adminUrl`'s database ready for the subgraphs: the extensions, one schema per subgraph
 * (owned by the admin, who runs migrations) and one login role per subgraph with rights on its own
 * schema only. Idempotent. A role's password is (re)set only when one is given.
 */
export async function provisionDatabase(
  adminUrl: string,
  passwords: Partial<Record<SubgraphName, string>> = {},
): Promise<void> {
  await createDatabaseIfMissing(adminUrl);
  await withClient(adminUrl, async (client) => {
    for (const extension of EXTENSIONS) await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension} SCHEMA public`);
    const database = client.escapeIdentifier(databaseName(adminUrl));
    for (const subgraph of Object.values(SUBGRAPH_DATABASES)) {
      const role = client.escapeIdentifier(subgraph.role);
      const schema = client.escapeIdentifier(subgraph.schema);
      // Two provisioners may race (parallel test workers): the advisory lock serialises them.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [subgraph.role]);
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [subgraph.role]);
        if (!rowCount) await client.query(`CREATE ROLE ${role} LOGIN NOINHERIT`);
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [subgraph.role]);
      }
      const password = passwords[subgraph.name];
      if (password) await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${client.escapeLiteral(password)}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
      // Tables created later by migrations (as the admin) get row rights for the service role.
      // Table-specific restrictions (the append-only audit log) are revoked in those migrations.
      await client.query(
        `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
      );
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${role}`);
    }
  });
}

/** The connection URL a subgraph uses: same server and database, its own role. */
/**
 * `url` with `password` as its password when one is given: a password kept apart from its URL
 * (`USERS_DB_PASSWORD`, a Docker secret shared with the migrate job that sets it).
 */
export function databaseUrlWithPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const withPassword = new URL(url);
  withPassword.password = password;
  return withPassword.toString();
}

export function subgraphDatabaseUrl(adminUrl: string, subgraph: SubgraphName, password?: string): string {
  const url = new URL(adminUrl);
  url.username = SUBGRAPH_DATABASES[subgraph].role;
  url.password = password ?? '';
  return url.toString();
}
