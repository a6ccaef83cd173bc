/**
 * The JSON Schemas under schema/: generated from the zod schemas (the committed files equal a fresh
 * generation), and they accept what the parser accepts: the testkit fixtures, the apps' configs, and mutations of
 * them exactly when zod does.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { accessConfigSchema, bootstrapConfigSchema, configJsonSchemas, schemaFileText } from '../src/index.js';
import { SUPPORTED_KEYWORDS, keywordsOf, validate } from './json-schema-subset.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PACKAGE, '..', '..');
const SCHEMA_DIR = join(PACKAGE, 'schema');
const FIXTURES = join(ROOT, 'packages', 'testkit', 'fixtures', 'octo-org', 'apps');

const generated = configJsonSchemas();
const committed = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as Record<string, unknown>;
const ACCESS = 'access-config.schema.json';
const BOOTSTRAP = 'bootstrap-config.schema.json';

/** Every config file under an apps/ directory: [name, path, schema file]. */
function configsUnder(apps: string): [string, string, string][] {
  if (!existsSync(apps)) return [];
  return readdirSync(apps)
    .sort()
    .flatMap((app): [string, string, string][] => [
      ...(existsSync(join(apps, app, 'access.yaml')) ? [[`${app}/access.yaml`, join(apps, app, 'access.yaml'), ACCESS] as [string, string, string]] : []),
      ...(existsSync(join(apps, app, 'bootstrap.yaml')) ? [[`${app}/bootstrap.yaml`, join(apps, app, 'bootstrap.yaml'), BOOTSTRAP] as [string, string, string]] : []),
    ]);
}

const fixtureConfigs = configsUnder(FIXTURES);
const appConfigs = configsUnder(join(ROOT, 'apps'));

describe('the committed JSON Schemas', () => {
  it('are the ones generated from the zod schemas (regenerate with pnpm --filter @keyless/policy schema)', () => {
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) expect(readFileSync(join(SCHEMA_DIR, name), 'utf8'), name).toBe(schemaFileText(schema));
  });

  it('are published with the package', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('schema');
  });

  it('use only keywords the test validator implements', () => {
    for (const name of [ACCESS, BOOTSTRAP]) expect([...keywordsOf(committed(name))].filter((k) => !SUPPORTED_KEYWORDS.has(k)), name).toEqual([]);
  });

  it('carry the descriptions of the config keys, for editors', () => {
    const text = readFileSync(join(SCHEMA_DIR, ACCESS), 'utf8');
    expect(text).toContain('Reusable workflows the job must run');
    expect(text).toContain('"additionalProperties": false');
  });
});

describe('validating configs', () => {
  it('finds the testkit fixtures', () => {
    expect(fixtureConfigs.map(([name]) => name)).toEqual(['bootstrap/bootstrap.yaml', 'dev/access.yaml', 'prod/access.yaml']);
  });

  it.each([...fixtureConfigs, ...appConfigs.map(([n, p, s]): [string, string, string] => [`apps/${n}`, p, s])])('accepts %s', (_name, path, schema) => {
    expect(validate(committed(schema), load(readFileSync(path, 'utf8')))).toEqual([]);
  });

  it.each([
    ['an unknown key', (c: any) => { c.aws.regoin = 'x'; }, '$.aws.regoin: no value is allowed here'],
    ['an account id written as a number', (c: any) => { c.aws.accountId = 111111111111; }, '$.aws.accountId: integer is not string'],
    ['a missing key', (c: any) => { delete c.github.owner; }, '$.github: owner is required'],
    ['a subject format that does not exist', (c: any) => { c.repositories['web-app'].subjectFormat = 'id'; }, '$.repositories.web-app.subjectFormat: not one of ["name","immutable","both"]'],
  ])('refuses %s', (_name, mutate, expected) => {
    const config = load(readFileSync(join(FIXTURES, 'dev', 'access.yaml'), 'utf8'));
    mutate(config);
    expect(validate(committed(ACCESS), config)).toContain(expected);
  });

  it('agrees with the parser on mutations of a valid config', () => {
    const cases = [
      [join(FIXTURES, 'dev', 'access.yaml'), accessConfigSchema, ACCESS],
      [join(FIXTURES, 'bootstrap', 'bootstrap.yaml'), bootstrapConfigSchema, BOOTSTRAP],
    ] as const;
    for (const [file, zod, schemaName] of cases) {
      const base = load(readFileSync(file, 'utf8'));
      const schema = committed(schemaName);
      const paths = allPaths(base);
      const mutation = fc.record({
        path: fc.constantFrom(...paths),
        kind: fc.constantFrom('delete', 'number', 'string', 'boolean', 'null', 'list', 'mapping', 'unknown-key'),
      });
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
          const config = structuredClone(base);
          for (const m of mutations) mutate(config, m.path, m.kind);
          const byZod = zod.safeParse(config).success;
          const bySchema = validate(schema, config);
          expect(bySchema.length === 0, `${JSON.stringify(mutations)}: ${bySchema.join('; ')}`).toBe(byZod);
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe('the examples', () => {
  it.each(appConfigs)('%s names the schema for editors when it has the comment', (_name, path, schema) => {
    const first = readFileSync(path, 'utf8').split('\n')[0] ?? '';
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    if (!m) return; // an adopter's config may leave the comment out
    expect(join(path, '..', m[1] as string)).toBe(join(SCHEMA_DIR, schema));
  });
});

type Path = readonly (string | number)[];

function allPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => allPaths(v, [...path, i]))];
  if (value !== null && typeof value === 'object') return [path, ...Object.entries(value).flatMap(([k, v]) => allPaths(v, [...path, k]))];
  return [path];
}

function mutate(root: unknown, path: Path, kind: string): void {
  if (path.length === 0) return;
  let parent = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) {
    const next = parent?.[p];
    if (next === null || typeof next !== 'object') return;
    parent = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (!(last in parent)) return;
  const replacement: Record<string, unknown> = { number: 7, string: 'x', boolean: true, null: null, list: ['x'], mapping: { x: 'y' } };
  if (kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (kind === 'unknown-key') {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)['zzUnknown'] = 1;
  } else parent[last] = replacement[kind];
}
