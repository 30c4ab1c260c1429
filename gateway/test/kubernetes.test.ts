/**
 * No cluster runs where the tests run, so the Kubernetes manifests (gateway/deploy/kubernetes/) are
 * checked offline, like docker-compose.yml: every object against the Kubernetes OpenAPI schema
 * (kubernetes-models' compiled validators), the example overlay rendered as kustomize renders it,
 * and the objects against the code they deploy (environment schemas, ports, health paths,
 * database roles, nginx placeholders) and against each other (selectors, Services, NetworkPolicies).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HEALTH_PATHS } from '@healthsync/orm/http';
import { REPO_ROOT, SUBGRAPH_DATABASES } from '@healthsync/orm/database';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { MigrateEnvironment } from '@healthsync/orm/migrate-environment';
import { PatientsEnvironment } from '@healthsync/patients/environment';
import { UsersEnvironment } from '@healthsync/users/environment';
import { GatewayEnvironment } from '../src/environment.js';
import { NGINX_TEMPLATE, NGINX_TLS_TEMPLATE } from '../src/stack/nginx.js';

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, checked field by field
type Manifest = Record<string, any>;

const KUBERNETES = path.join(REPO_ROOT, 'gateway', 'deploy', 'kubernetes');
const BASE = path.join(KUBERNETES, 'base');
const OVERLAY = path.join(KUBERNETES, 'overlays', 'example');

const readYaml = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((document) => document.toJS() as Manifest);

const kustomization = (folder: string): Manifest =>
  parse(readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8'));

/** The objects of a kustomization's resources, with its labels: the base before any overlay. */
function loadBase(): Manifest[] {
  const { resources, labels = [] } = kustomization(BASE);
  const pairs = Object.assign({}, ...labels.map((label: Manifest) => label.pairs));
  return (resources as string[])
    .flatMap((file) => readYaml(path.join(BASE, file)))
    .map((object) => ({
      ...object,
      metadata: { ...object.metadata, labels: { ...object.metadata.labels, ...pairs } },
    }));
}

/** One RFC 6902 JSON-pointer operation (kustomize's `patches` with a JSON6902 body); replace and add only. */
function applyOperation(target: Manifest, operation: { op: string; path: string; value: unknown }): void {
  const keys = operation.path
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop() as string;
  const parent = keys.reduce((node, key) => node?.[key], target);
  if (parent === undefined) throw new Error(`patch path ${operation.path} does not exist`);
  if (operation.op === 'replace' && !(last in parent)) throw new Error(`patch path ${operation.path} does not exist`);
  if (operation.op !== 'replace' && operation.op !== 'add')
    throw new Error(`patch op ${operation.op} not supported here`);
  parent[last] = operation.value;
}

/**
 * The example overlay as `kubectl kustomize` renders it, for the transformers it uses (namespace,
 * images, JSON6902 patches by kind and name pattern); anything else in it fails the test, so the
 * renderer cannot silently fall behind the file.
 */
function renderOverlay(): Manifest[] {
  const overlay = kustomization(OVERLAY);
  const known = ['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches'];
  expect(Object.keys(overlay).filter((key) => !known.includes(key))).toEqual([]);
  expect(overlay.resources).toEqual(['../../base']);
  const objects = structuredClone(loadBase());
  for (const object of objects) object.metadata.namespace = overlay.namespace;
  const images = new Map<string, Manifest>((overlay.images ?? []).map((image: Manifest) => [image.name, image]));
  for (const pod of objects.map(podSpecOf).filter((spec) => spec !== undefined))
    for (const container of pod.containers) {
      const image = images.get(container.image);
      if (image) container.image = `${image.newName ?? image.name}:${image.newTag}`;
    }
  for (const { target, patch } of overlay.patches ?? []) {
    const name = new RegExp(`^(?:${target.name})$`);
    const matched = objects.filter((object) => object.kind === target.kind && name.test(object.metadata.name));
    expect([target, matched.length > 0]).toEqual([target, true]);
    for (const object of matched) for (const operation of parse(patch)) applyOperation(object, operation);
  }
  return objects;
}

/** A workload's pod spec (Deployment, Job), or undefined. */
function podSpecOf(object: Manifest): Manifest | undefined {
  return object.spec?.template?.spec;
}

/** The kubernetes-models class for an object, from its apiVersion and kind. */
async function modelOf(object: Manifest) {
  const [group, version] = String(object.apiVersion).includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const module = await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`);
  return module[object.kind] as new (
    data: Manifest,
  ) => { validate(): void };
}

const base = loadBase();
const rendered = renderOverlay();
const byKind = (objects: Manifest[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: Manifest[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name) as Manifest;

/** The Node services, each with the zod schema its environment.ts parses and its port in DESIGN.md §2. */
const SERVICES: Record<string, { schema: z.ZodObject; port: number; image: string }> = {
  users: { schema: UsersEnvironment, port: 4001, image: 'healthsync/users' },
  patients: { schema: PatientsEnvironment, port: 4002, image: 'healthsync/patients' },
  gateway: { schema: GatewayEnvironment, port: 4000, image: 'healthsync/gateway' },
};

const isRequired = (schema: z.ZodObject, key: string) => !schema.shape[key]?.safeParse(undefined).success;
const variableOf = (key: string) => key.replace(/_FILE$/, '');

/** A container's env as name → value (a ConfigMap reference read from the ConfigMap of `objects`). */
function environmentOf(objects: Manifest[], container: Manifest): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map((variable: Manifest) => {
      const ref = variable.valueFrom?.configMapKeyRef;
      if (!ref) return [variable.name, String(variable.value)];
      const configMap = named(objects, 'ConfigMap', ref.name);
      expect([variable.name, configMap?.data?.[ref.key] !== undefined]).toEqual([variable.name, true]);
      return [variable.name, String(configMap.data[ref.key])];
    }),
  );
}

const containerOf = (objects: Manifest[], kind: string, name: string) =>
  podSpecOf(named(objects, kind, name))?.containers[0] as Manifest;

/** Which pods a NetworkPolicy peer or selector names: by app.kubernetes.io/name. */
const appOf = (selector: Manifest | undefined) =>
  selector?.matchLabels?.['app.kubernetes.io/name'] as string | undefined;
const APPS = ['edge', 'gateway', 'users', 'patients', 'migrate'];

/** Whether the policies let pods of app `from` open TCP to `to` (an app, or 'external') on `port`. */
function allowed(objects: Manifest[], from: string, to: string, port: number): boolean {
  const policies = byKind(objects, 'NetworkPolicy');
  const selects = (policy: Manifest, app: string) => {
    const selected = appOf(policy.spec.podSelector);
    return selected === undefined ? Object.keys(policy.spec.podSelector ?? {}).length === 0 : selected === app;
  };
  const portMatches = (rule: Manifest) =>
    !rule.ports || rule.ports.some((p: Manifest) => (p.protocol ?? 'TCP') === 'TCP' && p.port === port);
  const peerMatches = (peers: Manifest[] | undefined, app: string) =>
    !peers ||
    peers.some((peer) =>
      app === 'external'
        ? peer.ipBlock !== undefined
        : !peer.ipBlock && !peer.namespaceSelector && appOf(peer.podSelector) === app,
    );
  const egressOk = policies
    .filter((policy) => selects(policy, from) && policy.spec.policyTypes.includes('Egress'))
    .some((policy) =>
      (policy.spec.egress ?? []).some((rule: Manifest) => portMatches(rule) && peerMatches(rule.to, to)),
    );
  if (to === 'external') return egressOk;
  const ingressOk = policies
    .filter((policy) => selects(policy, to) && policy.spec.policyTypes.includes('Ingress'))
    .some((policy) =>
      (policy.spec.ingress ?? []).some((rule: Manifest) => portMatches(rule) && peerMatches(rule.from, from)),
    );
  return egressOk && ingressOk;
}

describe('Kubernetes manifests', () => {
  it.each([
    ['base', base],
    ['example overlay', rendered],
  ])('%s: every object is valid against the Kubernetes OpenAPI schema', async (_name, objects) => {
    expect(objects.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const object of objects) {
      const Model = await modelOf(object);
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the validation refuses a broken object (the check can fail)', async () => {
    const deployment = structuredClone(named(base, 'Deployment', 'gateway'));
    deployment.spec.replicas = 'two';
    const Model = await modelOf(deployment);
    expect(() => new Model(deployment).validate()).toThrow(/replicas/);
  });

  it('commits no Secret and no secret material: Secrets are only referenced', () => {
    const files = readdirSync(KUBERNETES, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.yaml'),
    );
    for (const file of files) {
      const text = readFileSync(path.join(KUBERNETES, file), 'utf8');
      expect([file, /PRIVATE KEY|password=|^kind: Secret$/m.test(text)]).toEqual([file, false]);
    }
    expect(byKind(rendered, 'Secret')).toEqual([]);
    const referenced = new Set(
      rendered.flatMap((object) =>
        (podSpecOf(object)?.volumes ?? []).map((v: Manifest) => v.secret?.secretName).filter(Boolean),
      ),
    );
    expect([...referenced].sort()).toEqual(['healthsync-secrets', 'healthsync-tls']);
    // The overlay says how each one is created.
    const instructions = readFileSync(path.join(OVERLAY, 'kustomization.yaml'), 'utf8');
    expect(instructions).toMatch(/create secret generic healthsync-secrets/);
    expect(instructions).toMatch(/create secret tls healthsync-tls/);
    // …with every key that a pod takes from it.
    const keys = rendered.flatMap((object) =>
      (podSpecOf(object)?.volumes ?? [])
        .filter((v: Manifest) => v.secret?.secretName === 'healthsync-secrets')
        .flatMap((v: Manifest) => v.secret.items.map((item: Manifest) => item.key)),
    );
    for (const key of new Set(keys)) expect([key, instructions.includes(`--from-file=${key}`)]).toEqual([key, true]);
  });

  describe.each(Object.entries(SERVICES))('%s', (name, { schema, port, image }) => {
    const deployment = named(base, 'Deployment', name);
    const pod = podSpecOf(deployment) as Manifest;
    const container = pod.containers[0] as Manifest;
    const environment = environmentOf(base, container);

    it('sets only variables its environment.ts reads (as NAME or NAME_FILE), every required one, in production', () => {
      const known = Object.keys(schema.shape);
      expect(Object.keys(environment).filter((key) => !known.includes(variableOf(key)))).toEqual([]);
      const set = new Set(Object.keys(environment).map(variableOf));
      expect(known.filter((key) => isRequired(schema, key) && !set.has(key))).toEqual([]);
      expect(environment.NODE_ENV).toBe('production');
      expect(environment.SUBGRAPH_SECRET_FILE).toBe('/run/secrets/subgraph_secret');
    });

    it(`listens on ${port}, named http, the port its Service and probes use`, () => {
      expect(environment.PORT).toBe(String(port));
      expect(schema.shape.PORT?.parse(undefined)).toBe(port);
      expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
      const service = named(base, 'Service', name);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      expect(service.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(container.image).toBe(image);
    });

    it('is probed on the health endpoints the service shell serves', () => {
      expect(container.livenessProbe.httpGet).toEqual({ path: HEALTH_PATHS.live, port: 'http' });
      expect(container.startupProbe.httpGet).toEqual({ path: HEALTH_PATHS.live, port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: HEALTH_PATHS.ready, port: 'http' });
    });

    it('runs replicas with resource requests, non-root, on a read-only root filesystem', () => {
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits.memory).toEqual(expect.any(String));
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      // Longer than the services' 10 s drain.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);
      const writable = container.volumeMounts
        .filter((mount: Manifest) => !mount.readOnly)
        .map((m: Manifest) => m.mountPath);
      expect(writable).toEqual(['/tmp']);
    });

    it('reads every secret from a file of the mounted Secret, and no password sits in a URL', () => {
      const mount = container.volumeMounts.find((m: Manifest) => m.name === 'secrets');
      const volume = pod.volumes.find((v: Manifest) => v.name === 'secrets');
      const items = volume.secret.items.map((item: Manifest) => `${mount.mountPath}/${item.path}`);
      const files = Object.entries(environment).filter(([key]) => key.endsWith('_FILE'));
      expect(files.map(([, file]) => file).sort()).toEqual([...items].sort());
      for (const key of Object.keys(environment).filter((key) => /PASSWORD|SECRET|PRIVATE_KEY/.test(key)))
        expect([key, key.endsWith('_FILE')]).toEqual([key, true]);
      for (const [key, value] of Object.entries(environment).filter(([key]) => /DATABASE_(REPLICA_)?URLS?$/.test(key)))
        for (const url of value.split(',').filter(Boolean)) expect([key, new URL(url).password]).toEqual([key, '']);
    });

    it('is scaled by an HPA and kept by a PDB', () => {
      const hpa = named(base, 'HorizontalPodAutoscaler', name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec.minReplicas).toBe(deployment.spec.replicas);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      const pdb = named(base, 'PodDisruptionBudget', name);
      expect(pdb.spec.selector).toEqual(deployment.spec.selector);
      expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    });
  });

  it('connects each subgraph as its own role to the primary, and patients to the read replicas too', () => {
    const urls = {
      users: environmentOf(base, containerOf(base, 'Deployment', 'users')).USERS_DATABASE_URL,
      patients: environmentOf(base, containerOf(base, 'Deployment', 'patients')).PATIENTS_DATABASE_URL,
    };
    for (const [subgraph, url] of Object.entries(urls)) {
      const parsed = new URL(url ?? '');
      expect([parsed.username, parsed.host]).toEqual([SUBGRAPH_DATABASES[subgraph as 'users'].role, 'postgres:5432']);
    }
    expect(named(base, 'Service', 'postgres').spec).toMatchObject({ type: 'ExternalName', ports: [{ port: 5432 }] });
    const patients = environmentOf(rendered, containerOf(rendered, 'Deployment', 'patients'));
    expect(patients.DATABASE_REPLICA_URLS).toMatch(/^postgres:\/\/[^@]+:5432$/);
    expect(PatientsEnvironment.shape.DATABASE_REPLICA_URLS).toBeDefined();
    // The migrate job provisions the roles with the passwords the services log in with.
    const migrate = containerOf(base, 'Job', 'healthsync-migrate');
    const migrateEnvironment = environmentOf(base, migrate);
    expect(Object.keys(migrateEnvironment).filter((key) => !(variableOf(key) in MigrateEnvironment.shape))).toEqual([]);
    expect(migrateEnvironment.USERS_DB_PASSWORD_FILE).toBe(
      environmentOf(base, containerOf(base, 'Deployment', 'users')).USERS_DB_PASSWORD_FILE,
    );
    expect(migrateEnvironment.PATIENTS_DB_PASSWORD_FILE).toBe(patients.PATIENTS_DB_PASSWORD_FILE);
    expect(migrate.image).toBe('healthsync/migrate');
    expect(podSpecOf(named(base, 'Job', 'healthsync-migrate'))?.restartPolicy).toBe('OnFailure');
  });

  it('points every service URL at a Service of the manifests, on the port it listens on', () => {
    const urls = ['patients', 'gateway'].flatMap((name) =>
      Object.entries(environmentOf(base, containerOf(base, 'Deployment', name))).filter(
        ([key]) => key.endsWith('_URL') && !key.includes('DATABASE'),
      ),
    );
    expect(urls.length).toBe(4);
    for (const [key, value] of urls) {
      const url = new URL(value);
      const service = named(base, 'Service', url.hostname);
      expect([key, service?.spec.ports[0].port]).toEqual([key, Number(url.port)]);
      expect(url.pathname).toMatch(/^\/(graphql|\.well-known\/jwks\.json)$/);
    }
  });

  it('serves the edge with the nginx templates of npm start and compose, every placeholder set, TLS from its Secret', () => {
    const edge = containerOf(base, 'Deployment', 'edge');
    const environment = environmentOf(base, edge);
    const placeholdersOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    const placeholders = [...new Set([NGINX_TEMPLATE, NGINX_TLS_TEMPLATE].flatMap(placeholdersOf))].sort();
    expect(Object.keys(environment).sort()).toEqual(placeholders);
    // Every gateway pod, re-resolved: a headless Service.
    const [host, port] = environment.GATEWAY_UPSTREAM?.split(':') ?? [];
    const pods = named(base, 'Service', host ?? '');
    expect(pods.spec.clusterIP).toBe('None');
    expect(pods.spec.selector).toEqual(named(base, 'Deployment', 'gateway').spec.selector.matchLabels);
    expect(Number(port)).toBe(4000);
    expect(environment.GATEWAY_RESOLVE).toBe('resolve');
    expect(environment.NGINX_RESOLVER).toMatch(/^kube-dns\.kube-system\.svc\.cluster\.local valid=\d+s$/);
    expect(environment.USERS_UPSTREAM).toBe('users:4001');
    const service = named(base, 'Service', 'edge');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(edge.ports.map((p: Manifest) => p.containerPort)).toEqual([
      Number(environment.NGINX_LISTEN),
      Number(environment.NGINX_TLS_LISTEN),
    ]);
    expect(edge.readinessProbe.httpGet).toEqual({ path: HEALTH_PATHS.public, port: 'https', scheme: 'HTTPS' });
    expect(edge.securityContext.readOnlyRootFilesystem).toBe(true);
    // The image puts the templates where compose mounts them.
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'nginx', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY nginx/healthsync.conf.template /etc/nginx/templates/default.conf.template');
    expect(dockerfile).toContain(
      'COPY nginx/healthsync-tls.conf.template /etc/nginx/templates/healthsync-tls/tls.conf.template',
    );
    const tls = podSpecOf(named(base, 'Deployment', 'edge'))?.volumes.find((v: Manifest) => v.name === 'tls');
    expect(path.dirname(environment.TLS_CERT_FILE ?? '')).toBe(
      edge.volumeMounts.find((m: Manifest) => m.name === tls.name).mountPath,
    );
    // The overlay believes the cloud load balancer's X-Forwarded-For.
    expect(environmentOf(rendered, containerOf(rendered, 'Deployment', 'edge')).EDGE_TRUSTED_PROXIES).toBe(
      '10.10.0.0/16',
    );
  });

  describe.each([
    ['base', base],
    ['example overlay', rendered],
  ])('%s NetworkPolicies', (_name, objects) => {
    it('let only the gateway reach the subgraphs GraphQL ports (users also serves its public keys to edge and patients)', () => {
      for (const from of APPS) {
        expect([from, 'patients', allowed(objects, from, 'patients', 4002)]).toEqual([
          from,
          'patients',
          from === 'gateway',
        ]);
        expect([from, 'users', allowed(objects, from, 'users', 4001)]).toEqual([
          from,
          'users',
          ['gateway', 'edge', 'patients'].includes(from),
        ]);
        expect([from, 'gateway', allowed(objects, from, 'gateway', 4000)]).toEqual([from, 'gateway', from === 'edge']);
      }
    });

    it('let only the subgraphs and the migrate job reach PostgreSQL, and nothing leave the cluster otherwise', () => {
      for (const from of APPS) {
        expect([from, allowed(objects, from, 'external', 5432)]).toEqual([
          from,
          ['users', 'patients', 'migrate'].includes(from),
        ]);
        expect([from, allowed(objects, from, 'external', 443)]).toEqual([from, false]);
      }
      expect(named(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
      });
    });
  });

  it('the overlay narrows database egress to its subnet, sets the replica and names images with tags', () => {
    for (const name of ['users', 'patients', 'migrate'])
      expect(named(rendered, 'NetworkPolicy', name).spec.egress[0].to[0].ipBlock.cidr).toBe('10.20.0.0/16');
    for (const pod of rendered.map(podSpecOf).filter((spec) => spec !== undefined))
      for (const container of pod.containers) expect(container.image).toMatch(/^[\w.-]+\/healthsync\/\w+:[\w.-]+$/);
    expect(rendered.every((object) => object.metadata.namespace === 'healthsync')).toBe(true);
    expect(named(rendered, 'Service', 'postgres').spec.externalName).not.toBe(
      named(base, 'Service', 'postgres').spec.externalName,
    );
  });
});
