import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { temporaryFolder } from '@healthsync/orm/testing';
import { SUPERGRAPH_FILE } from '../src/environment.js';
import { CompositionFailedError, composeSupergraph, readSupergraphConfig } from '../src/supergraph/compose.js';

describe('rover.yaml and the committed supergraph', () => {
  test('the committed supergraph is what composing rover.yaml gives now (else: npm run compose)', () => {
    const { supergraphSdl } = composeSupergraph();
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(supergraphSdl);
  });

  test('every subgraph schema exists and routes to its DESIGN.md port', () => {
    const ports: Record<string, string> = { users: '4001', patients: '4002' };
    for (const subgraph of readSupergraphConfig().subgraphs) {
      expect(readFileSync(subgraph.schemaFile, 'utf8')).toMatch(
        /@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2/,
      );
      expect([subgraph.name, new URL(subgraph.routingUrl).port]).toEqual([subgraph.name, ports[subgraph.name]]);
    }
  });

  test('federation_version is the installed @apollo/composition, as rover would pick it', () => {
    const require = createRequire(import.meta.url);
    const { version } = require('@apollo/composition/package.json') as { version: string };
    expect(readSupergraphConfig().federationVersion).toBe(version);
  });

  test('two subgraphs that disagree about a shared type fail composition, hints included', () => {
    const dir = temporaryFolder('healthsync-compose-');
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';
    writeFileSync(
      path.join(dir, 'a.graphql'),
      `${link}\ntype Query { a: Shared }\ntype Shared @shareable { id: ID! name(upper: Boolean): String }`,
    );
    // An argument only one side has: it composes (the argument is dropped) with a WARN-level hint.
    writeFileSync(
      path.join(dir, 'b.graphql'),
      `${link}\ntype Query { b: Shared }\ntype Shared @shareable { id: ID! name: String }`,
    );
    const config = path.join(dir, 'rover.yaml');
    writeFileSync(
      config,
      [
        'federation_version: =2.14.4',
        'subgraphs:',
        '  a: { routing_url: "http://localhost:1/graphql", schema: { file: ./a.graphql } }',
        '  b: { routing_url: "http://localhost:2/graphql", schema: { file: ./b.graphql } }',
      ].join('\n'),
    );
    expect(() => composeSupergraph(config)).toThrow(CompositionFailedError);
    expect(() => composeSupergraph(config)).toThrow(/INCONSISTENT/);

    writeFileSync(path.join(dir, 'b.graphql'), `${link}\ntype Query { b: Int }\ntype Query { b: String }`);
    expect(() => composeSupergraph(config)).toThrow(CompositionFailedError);
  });
});
