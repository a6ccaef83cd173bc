/**
 * The files of the app `keyless init` writes around the access config: copied from an app of the workspace,
 * else a built-in template; the schema path the config names; and writing them all or none.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { appNames } from './discover.js';

/** The app whose files the new one copies: the workspace's dev app, else its first app with an access config. */
function templateApp(root: string): string | undefined {
  const apps = appNames(root).filter((name) => existsSync(join(root, 'apps', name, 'access.yaml')) && existsSync(join(root, 'apps', name, 'package.json')));
  return apps.includes('dev') ? 'dev' : apps[0];
}

/** The app's files besides access.yaml, by path relative to the app directory. */
export function appFiles(root: string, env: string): Map<string, string> {
  const files = new Map<string, string>();
  const template = templateApp(root);
  if (template !== undefined) {
    const dir = join(root, 'apps', template);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    files.set('package.json', `${JSON.stringify({ ...pkg, name: `@keyless/app-${env}` }, null, 2)}\n`);
    if (existsSync(join(dir, 'cdktf.json'))) {
      const cdktf = JSON.parse(readFileSync(join(dir, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
      files.set('cdktf.json', `${JSON.stringify({ ...cdktf, projectId: `keyless-${env}` }, null, 2)}\n`);
    }
    for (const file of ['src/main.ts', 'tsconfig.json', 'vitest.config.ts', 'test/app.test.ts'])
      if (existsSync(join(dir, file))) files.set(file, readFileSync(join(dir, file), 'utf8').replace(`name: '${template}'`, `name: '${env}'`));
    return files;
  }
  // No app to copy: a minimal one that runs with the published packages.
  const constructs = constructsManifest();
  const peers = constructs?.peerDependencies ?? {};
  files.set(
    'package.json',
    `${JSON.stringify(
      {
        name: `@keyless/app-${env}`,
        version: '0.0.0',
        private: true,
        type: 'module',
        scripts: { synth: 'tsx src/main.ts' },
        dependencies: {
          '@keyless/constructs': constructs?.version !== undefined ? constructs.version : 'latest',
          ...Object.fromEntries(Object.entries(peers).sort(([a], [b]) => (a < b ? -1 : 1))),
        },
        devDependencies: { tsx: 'latest', typescript: '5.9.3' },
      },
      null,
      2,
    )}\n`,
  );
  files.set('cdktf.json', `${JSON.stringify({ language: 'typescript', app: 'npx tsx src/main.ts', projectId: `keyless-${env}`, sendCrashReports: 'false', terraformProviders: [], terraformModules: [], context: {} }, null, 2)}\n`);
  files.set('src/main.ts', "import { runApp } from '@keyless/constructs';\n\nrunApp({ configFile: new URL('../access.yaml', import.meta.url) });\n");
  files.set(
    'tsconfig.json',
    existsSync(join(root, 'tsconfig.base.json'))
      ? '{\n  "extends": "../../tsconfig.base.json",\n  "compilerOptions": { "rootDir": ".", "noEmit": true },\n  "include": ["src"]\n}\n'
      : '{\n  "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true },\n  "include": ["src"]\n}\n',
  );
  return files;
}

function constructsManifest(): { version?: string; peerDependencies?: Record<string, string> } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@keyless/constructs');
    let dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string; peerDependencies?: Record<string, string> };
  } catch {
    return undefined;
  }
}

/**
 * The schema path relative to the app directory: the workspace's copy of @keyless/policy, else the installed one
 * when it is inside the workspace (node_modules); undefined when neither is (a path out of the project would not
 * hold on another machine).
 */
export function schemaPathFor(root: string, appDir: string): string | undefined {
  const inWorkspace = join(root, 'packages', 'policy', 'schema', 'access-config.schema.json');
  let schema: string | undefined = existsSync(inWorkspace) ? inWorkspace : undefined;
  if (schema === undefined) {
    try {
      schema = createRequire(join(root, 'package.json')).resolve('@keyless/policy/schema/access-config.schema.json');
    } catch {
      return undefined;
    }
  }
  const fromRoot = relative(root, schema);
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) return undefined;
  return relative(appDir, schema).split('\\').join('/');
}

/** Writes every file (never over an existing one); on a failure removes what it wrote and rethrows. */
export function writeAll(appDir: string, files: ReadonlyMap<string, string>): string[] {
  const createdDirs: string[] = [];
  const written: string[] = [];
  const ensureDir = (dir: string): void => {
    if (existsSync(dir)) return;
    ensureDir(dirname(dir));
    mkdirSync(dir);
    createdDirs.push(dir);
  };
  try {
    for (const [name, content] of files) {
      const path = join(appDir, name);
      ensureDir(dirname(path));
      writeFileSync(path, content, { flag: 'wx' });
      written.push(path);
    }
  } catch (error) {
    for (const path of written.reverse()) unlinkSync(path);
    for (const dir of createdDirs.reverse()) if (readdirSync(dir).length === 0) rmdirSync(dir);
    throw error;
  }
  return written;
}
