/**
 * A small client of the public GraphQL API for the data CLIs: signs in, retries what the edge asks
 * to retry (429 from nginx's rate limit, 502/503 while a replica restarts), signs in again when
 * the access token expires during a long run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, type DataCliConfig } from './environment.js';

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** The API answered with errors (or an HTTP failure): its first message and code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface Credentials {
  email: string;
  password: string;
}

export interface ApiClient {
  readonly url: string;
  /** The role of whoever is signed in. */
  readonly role: string | undefined;
  /** How many answers the edge asked to retry (429, 502, 503): each one's wait is in that request's time. */
  readonly retried: number;
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

const LOGIN = `mutation DataCliLogin($input: LoginInput!) {
  login(input: $input) { accessToken user { role } }
}`;
const SIGN_UP = `mutation DataCliSignUp($input: SignUpInput!) {
  signUp(input: $input) { accessToken user { role } }
}`;
const RETRIES = 8;

async function post(url: string, body: unknown, token: string | undefined, onRetry: () => void = () => {}) {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      if (attempt < 2) {
        await sleep(500);
        continue;
      }
      throw new CliError(
        `cannot reach ${url} (${(error as Error).cause ?? (error as Error).message}); is the stack running (npm start)?`,
      );
    }
    if ([429, 502, 503].includes(response.status) && attempt < RETRIES) {
      await response.body?.cancel();
      onRetry();
      // Exponential, capped: nginx's bucket refills at 50 requests/s.
      await sleep(Math.min(100 * 2 ** attempt, 3000));
      continue;
    }
    const text = await response.text();
    let parsed: { data?: unknown; errors?: GraphQLErrorBody[] };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(`HTTP ${response.status} from ${url}: ${text.slice(0, 200)}`, undefined, response.status);
    }
    const first = parsed.errors?.[0];
    if (first) throw new ApiError(first.message, first.extensions?.code, response.status);
    if (!response.ok) throw new ApiError(`HTTP ${response.status} from ${url}`, undefined, response.status);
    return parsed.data as Record<string, unknown>;
  }
}

/** Who the CLIs sign in as: HEALTHSYNC_EMAIL/PASSWORD, else the stack's ADMIN_EMAIL/ADMIN_PASSWORD. */
export function credentialsOf(config: DataCliConfig): Credentials | undefined {
  const email = config.HEALTHSYNC_EMAIL ?? config.ADMIN_EMAIL;
  const password = config.HEALTHSYNC_EMAIL ? config.HEALTHSYNC_PASSWORD : config.ADMIN_PASSWORD;
  return email && password ? { email, password } : undefined;
}

export interface ConnectOptions {
  url: string;
  token?: string | undefined;
  credentials?: Credentials | undefined;
  /** On an empty system, sign up with the credentials when signing in fails (the seed does). */
  signUpIfUnknown?: boolean;
}

async function signIn(url: string, credentials: Credentials, signUpIfUnknown: boolean) {
  type Payload = { accessToken: string; user: { role: string } };
  try {
    const data = await post(url, { query: LOGIN, variables: { input: credentials } }, undefined);
    return data.login as Payload;
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'UNAUTHENTICATED') throw error;
    if (!signUpIfUnknown) throw new CliError(`sign-in as ${credentials.email} refused: ${error.message}`);
  }
  try {
    const data = await post(
      url,
      { query: SIGN_UP, variables: { input: { ...credentials, name: 'HealthSync seed' } } },
      undefined,
    );
    return data.signUp as Payload;
  } catch (error) {
    if (error instanceof ApiError)
      throw new CliError(`sign-in as ${credentials.email} refused, and signing up failed: ${error.message}`);
    throw error;
  }
}

/** A client signed in with `credentials` (or using `token`). */
export async function connect(options: ConnectOptions): Promise<ApiClient> {
  const { url, credentials } = options;
  if (!options.token && !credentials)
    throw new CliError(
      'no credentials: set HEALTHSYNC_EMAIL and HEALTHSYNC_PASSWORD (or ADMIN_EMAIL and ADMIN_PASSWORD, or HEALTHSYNC_TOKEN)',
    );
  let token = options.token;
  let role: string | undefined;
  let retried = 0;
  const countRetry = () => {
    retried++;
  };
  if (!token && credentials) {
    const payload = await signIn(url, credentials, options.signUpIfUnknown ?? false);
    token = payload.accessToken;
    role = payload.user.role;
  }
  return {
    url,
    get role() {
      return role;
    },
    get retried() {
      return retried;
    },
    async request<T>(query: string, variables: Record<string, unknown> = {}) {
      try {
        return (await post(url, { query, variables }, token, countRetry)) as T;
      } catch (error) {
        // Access tokens live 15 minutes; a long import signs in again once and carries on.
        if (!(error instanceof ApiError) || error.status !== 401 || !credentials) throw error;
        const payload = await signIn(url, credentials, false);
        token = payload.accessToken;
        role = payload.user.role;
        return (await post(url, { query, variables }, token, countRetry)) as T;
      }
    },
  };
}

const IMPORT = `mutation DataCliImport($resources: JSON!) {
  importPatients(resources: $resources) {
    created updated unchanged failed { index message }
    resources { resourceType created updated unchanged failed skipped }
  }
}`;

export interface ResourceTypeCounts {
  resourceType: string;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

export interface ImportBatchResult {
  /** Patients (every type's counts are in `resources`). */
  created: number;
  updated: number;
  unchanged: number;
  /** `index` is the position in the batch sent. */
  failed: { index: number; message: string }[];
  resources: ResourceTypeCounts[];
}

/** One importPatients call: the seed and import CLIs send their batches through it. */
export async function importBatch(client: ApiClient, resources: unknown[]): Promise<ImportBatchResult> {
  const { importPatients } = await client.request<{ importPatients: ImportBatchResult }>(IMPORT, { resources });
  return importPatients;
}

/** Formats a count per second for the summaries. */
export function rate(count: number, milliseconds: number): string {
  return `${Math.round((count * 1000) / Math.max(milliseconds, 1))}/s`;
}
