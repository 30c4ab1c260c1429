import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@healthsync/orm/database';
import { DataCliEnvironment } from '@healthsync/patients/scripts/environment';
import { ENV_EXAMPLE } from './env-example.js';

/** Every README of the repository (tracked or new, not ignored), as paths from its root. */
const READMES = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '--', 'README.md', '**/README.md'],
  { cwd: REPO_ROOT, encoding: 'utf8' },
)
  .split('\n')
  .filter((file) => file && existsSync(path.join(REPO_ROOT, file)));

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** The lines of a Markdown file outside fenced code blocks, with inline code spans blanked. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').flatMap((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [line.replace(/`[^`]*`/g, '``')];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = (heading[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

/** `[text](target)` and `![alt](target)` targets that point inside the repository. */
function relativeLinks(markdown: string): string[] {
  return proseLines(markdown)
    .flatMap((line) =>
      [...line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(([, target]) => target as string),
    )
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The variables named in the first column headed `variable` of each table: a README's settings tables. */
function settingsTableVariables(markdown: string): Set<string> {
  const names = new Set<string>();
  let column = -1;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      column = -1;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (column === -1) {
      column = cells.indexOf('variable');
      if (column === -1) column = -2; // a table of something else
      continue;
    }
    if (column < 0) continue;
    for (const [, name] of (cells[column] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(name as string);
  }
  return names;
}

/** Tracked files that are not Markdown: code, configuration and templates whose comments may name a README section. */
const SOURCES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: REPO_ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => /\.(ts|mjs|js|ya?ml|template)$|(^|\/)Dockerfile$/.test(file) && !file.includes('/generated/'))
  .filter((file) => file !== 'gateway/test/docs.test.ts')
  .filter((file) => existsSync(path.join(REPO_ROOT, file)));

/** The heading texts of a Markdown file, without inline-code backticks. */
const headingsOf = (markdown: string) =>
  new Set(proseLines(markdown.replace(/`/g, '')).flatMap((line) => /^#{1,6}\s+(.*?)\s*$/.exec(line)?.[1] ?? []));

describe('the READMEs', () => {
  test('there is one per workspace, beside the root one', () => {
    expect(READMES).toEqual(
      expect.arrayContaining([
        'README.md',
        'orm/README.md',
        'subgraphs/users/README.md',
        'subgraphs/patients/README.md',
        'gateway/README.md',
        'gateway/bench/README.md',
      ]),
    );
  });

  test('every relative link and image resolves to a file, and every #anchor to a heading', () => {
    const broken: string[] = [];
    for (const file of READMES) {
      for (const target of relativeLinks(read(file))) {
        const [pathPart = '', anchor] = target.split('#');
        const resolved = pathPart ? path.join(path.dirname(file), decodeURIComponent(pathPart)) : file;
        if (!existsSync(path.join(REPO_ROOT, resolved))) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor !== undefined && !anchors(read(resolved)).has(anchor))
          broken.push(`${file}: ${target} (no such heading in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('every README section a code comment names (`path/README.md, "Heading"`) exists', () => {
    const named = SOURCES.flatMap((file) =>
      [...read(file).matchAll(/([\w./-]*README\.md)(?:,|'s)? "([^"\n]+)"/g)].map(([, readme, heading]) => ({
        file,
        readme: readme as string,
        heading: heading as string,
      })),
    );
    expect(named.length).toBeGreaterThan(10);
    // A heading may go on after the name a comment gives it: "Search quality: npm run bench:search".
    const has = (readme: string, name: string) =>
      [...headingsOf(read(readme))].some(
        (heading) => heading === name || heading.startsWith(`${name}:`) || heading.startsWith(`${name} (`),
      );
    const missing = named.filter(
      ({ readme, heading }) => !existsSync(path.join(REPO_ROOT, readme)) || !has(readme, heading),
    );
    expect(missing).toEqual([]);
  });

  test('the root README is a door: at most 250 lines, the two commands first', () => {
    const root = read('README.md');
    expect(root.split('\n').length).toBeLessThanOrEqual(250);
    const firstBlock = /```\w*\n([\s\S]*?)```/.exec(root)?.[1] ?? '';
    expect(firstBlock.split('\n').map((line) => line.split('#')[0]?.trim())).toEqual([
      'npm ci && npm start',
      'npm test',
      '',
    ]);
  });

  test('every variable of .env.example is in the settings table of some README', () => {
    const documented = new Set(READMES.flatMap((file) => [...settingsTableVariables(read(file))]));
    expect(ENV_EXAMPLE.map((line) => line.key).filter((key) => !documented.has(key))).toEqual([]);
  });

  test('every variable in a settings table is one a process reads (.env.example, or the data CLIs)', () => {
    const known = new Set([...ENV_EXAMPLE.map((line) => line.key), ...Object.keys(DataCliEnvironment.shape)]);
    const unknown = READMES.flatMap((file) =>
      [...settingsTableVariables(read(file))].filter((name) => !known.has(name)).map((name) => `${file}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});
