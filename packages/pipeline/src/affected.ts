/**
 * Which apps and stacks a change touches, so that a pull request plans (and a merge applies) exactly those.
 *
 * - `apps/<app>/**` → that app.
 * - `packages/<pkg>/**` → every app that depends on the package, directly or through other workspace
 *   packages, counting every kind of dependency (dev dependencies too: apps synthesize with tools that are
 *   dev dependencies, and planning a stack too many is cheap while missing one is not).
 * - `.github/workflows/**`, `.github/actions/**` → every app: a pull request runs its own version of the
 *   workflows, so a pipeline change is exercised on every stack before it reaches main.
 * - the workspace's shared build inputs (lockfile, root package.json, pnpm-workspace.yaml, turbo.json,
 *   tsconfig.base.json, .npmrc, .nvmrc…) and any other file outside the known places → every app.
 * - documentation (`*.md`), other `.github/**` files (CODEOWNERS, templates), `.ci/**`, `scripts/**`,
 *   `.gitignore`, `.changeset/**`, LICENSE → none: they cannot change what an app synthesizes.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapEnvironmentNames, bootstrapVariableNames } from '@keyless/policy';

export interface WorkspacePackage {
  /** package.json name, e.g. `@keyless/app-dev`. */
  readonly name: string;
  /** Directory relative to the workspace root, e.g. `apps/dev`. */
  readonly dir: string;
  /** Names of the workspace packages it depends on directly (any dependency kind). */
  readonly workspaceDependencies: readonly string[];
}

export interface Workspace {
  readonly packages: readonly WorkspacePackage[];
  /** Directories (relative) that hold apps; default `apps`. */
  readonly appsDir?: string;
}

export interface AffectedApps {
  /** App directory names under apps/, sorted. */
  readonly apps: readonly string[];
  /** Why each app is affected: the files (or rule) that touch it. */
  readonly reasons: Readonly<Record<string, readonly string[]>>;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

/** Reads the workspace's packages from the directories pnpm-workspace.yaml lists (`dir/*` entries). */
export function loadWorkspace(root: string): Workspace {
  const globs = existsSync(join(root, 'pnpm-workspace.yaml'))
    ? [...readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').matchAll(/^\s*-\s*['"]?([^'"\s#]+)['"]?/gm)].map((m) => m[1] as string)
    : ['packages/*', 'apps/*'];
  const packages: WorkspacePackage[] = [];
  for (const glob of globs) {
    if (!glob.endsWith('/*')) continue;
    const parent = glob.slice(0, -2);
    if (!existsSync(join(root, parent))) continue;
    for (const name of readdirSync(join(root, parent)).sort()) {
      const file = join(root, parent, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      const deps = new Set<string>();
      for (const field of DEPENDENCY_FIELDS) {
        const entries = pkg[field];
        if (entries && typeof entries === 'object')
          for (const [dep, spec] of Object.entries(entries as Record<string, string>)) if (String(spec).startsWith('workspace:')) deps.add(dep);
      }
      packages.push({ name: String(pkg['name'] ?? `${parent}/${name}`), dir: `${parent}/${name}`, workspaceDependencies: [...deps].sort() });
    }
  }
  return { packages };
}

/** Root files that every synthesis reads, directly or through the install. */
const SHARED_ROOT_FILES = new Set([
  'pnpm-lock.yaml',
  'package.json',
  'pnpm-workspace.yaml',
  'turbo.json',
  'tsconfig.base.json',
  '.npmrc',
  '.nvmrc',
  '.node-version',
]);

/** Paths that cannot change what an app synthesizes or how it is planned. */
function inert(file: string): boolean {
  if (/\.md$/i.test(file)) return true;
  if (/^\.github\//.test(file)) return !/^\.github\/(workflows|actions)\//.test(file);
  return /^(\.ci|scripts|\.changeset|\.vscode)\//.test(file) || /^(\.gitignore|\.gitattributes|\.editorconfig|LICENSE[^/]*)$/.test(file);
}

/** The apps a list of changed files (paths relative to the root, `/`-separated) affects. */
export function affectedApps(changedFiles: readonly string[], workspace: Workspace): AffectedApps {
  const appsDir = workspace.appsDir ?? 'apps';
  const apps = workspace.packages.filter((p) => p.dir.startsWith(`${appsDir}/`));
  const appName = (p: WorkspacePackage): string => p.dir.slice(appsDir.length + 1);
  const byName = new Map(workspace.packages.map((p) => [p.name, p]));
  // Transitive workspace dependencies of every app.
  const closure = new Map<string, Set<string>>();
  for (const app of apps) {
    const seen = new Set<string>();
    const stack = [...app.workspaceDependencies];
    while (stack.length > 0) {
      const dep = stack.pop() as string;
      if (seen.has(dep)) continue;
      seen.add(dep);
      stack.push(...(byName.get(dep)?.workspaceDependencies ?? []));
    }
    closure.set(app.name, seen);
  }

  const reasons = new Map<string, string[]>();
  const hit = (app: WorkspacePackage, why: string): void => {
    const list = reasons.get(appName(app)) ?? [];
    if (!list.includes(why)) list.push(why);
    reasons.set(appName(app), list);
  };
  for (const raw of changedFiles) {
    const file = raw.replace(/\\/g, '/').replace(/^\.\//, '');
    if (file === '' || inert(file)) continue;
    const owner = workspace.packages
      .filter((p) => file.startsWith(`${p.dir}/`))
      .sort((a, b) => b.dir.length - a.dir.length)[0];
    if (owner && apps.includes(owner)) {
      hit(owner, file);
      continue;
    }
    if (owner) {
      for (const app of apps) if (closure.get(app.name)?.has(owner.name)) hit(app, `${file} (${owner.name})`);
      continue;
    }
    if (file.startsWith(`${appsDir}/`)) {
      // A file of an app directory without package.json (a removed app): nothing left to synthesize here.
      continue;
    }
    if (file.startsWith('packages/')) continue; // a package directory without package.json affects no app
    // Shared build inputs, workflows, and anything unknown: every app.
    const why = SHARED_ROOT_FILES.has(file) ? `${file} (shared by every app)` : `${file} (outside any package: counted for every app)`;
    for (const app of apps) hit(app, why);
  }
  const names = [...reasons.keys()].sort();
  return { apps: names, reasons: Object.fromEntries(names.map((n) => [n, reasons.get(n) ?? []])) };
}

export interface StackEntry {
  /** App directory name under apps/. */
  readonly app: string;
  /** Stack name (its directory under cdktf.out/stacks). */
  readonly stack: string;
  /** The bootstrap account key of the stack's AWS account: dev, prod. */
  readonly account: string;
  /**
   * The GitHub environment whose reviewers gate the apply and whose role applies it: the account key for a
   * product stack (dev), `<key>-bootstrap` for the account's bootstrap stack (dev-bootstrap).
   */
  readonly environment: string;
  /** The environment of the plans on main and the drift check (`<key>-read`): branch main only, the read App's key. */
  readonly readEnvironment: string;
  /** The stack's working directory relative to the root. */
  readonly workdir: string;
  readonly accountId: string;
  /** Variable names the workflows read for this stack. */
  readonly planRoleVar: string;
  readonly driftRoleVar: string;
  readonly regionVar: string;
  /** SHA-256 of the stack's cdk.tf.json, when the matrix was made with a bundle of the synthesized stacks. */
  readonly synthDigest?: string;
}

interface Manifest {
  readonly stacks: Readonly<Record<string, { readonly name: string; readonly synthesizedStackPath: string; readonly workingDirectory: string }>>;
}

/** The stacks of a synthesized app, from its `cdktf.out/manifest.json`. */
export function stacksOfApp(root: string, app: string, outdir = 'cdktf.out'): { stack: string; file: string; workdir: string }[] {
  const base = join('apps', app, outdir);
  const manifestFile = join(root, base, 'manifest.json');
  if (!existsSync(manifestFile)) throw new Error(`${join(base, 'manifest.json')}: not found; synthesize the app first (pnpm --dir apps/${app} run synth)`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  return Object.values(manifest.stacks)
    .map((s) => ({ stack: s.name, file: join(root, base, s.synthesizedStackPath), workdir: `${base}/${s.workingDirectory}`.replace(/\\/g, '/') }))
    .sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
}

/** The AWS account a synthesized stack is pinned to (its aws provider's allowed_account_ids). */
export function stackAccountId(stackJson: unknown): string | undefined {
  const provider = (stackJson as { provider?: { aws?: unknown } } | undefined)?.provider?.aws;
  const list = Array.isArray(provider) ? provider : provider ? [provider] : [];
  const ids = new Set(list.flatMap((p) => ((p as { allowed_account_ids?: unknown }).allowed_account_ids as string[] | undefined) ?? []));
  return ids.size === 1 ? [...ids][0] : undefined;
}

/**
 * One matrix entry per stack of the given apps: the stack's account decides its environments, through the
 * bootstrap's accounts (account id → key), because those environments' roles are the ones trusted there.
 */
export function stackMatrix(root: string, apps: readonly string[], accounts: ReadonlyMap<string, string>): StackEntry[] {
  const out: StackEntry[] = [];
  for (const app of apps) {
    for (const s of stacksOfApp(root, app)) {
      const accountId = stackAccountId(JSON.parse(readFileSync(s.file, 'utf8')));
      if (accountId === undefined) throw new Error(`stack ${s.stack} of apps/${app}: its aws provider does not name exactly one allowed account id`);
      const environment = accounts.get(accountId);
      if (environment === undefined)
        throw new Error(`stack ${s.stack} of apps/${app}: account ${accountId} is not an account of apps/bootstrap/bootstrap.yaml, so no pipeline role can plan or apply it`);
      const names = bootstrapVariableNames(environment);
      const envs = bootstrapEnvironmentNames(environment);
      out.push({
        app,
        stack: s.stack,
        account: environment,
        // runBootstrapApp names an account's bootstrap stack bootstrap-<key>; its own role applies it.
        environment: s.stack === `bootstrap-${environment}` ? envs.bootstrapApply : envs.apply,
        readEnvironment: envs.read,
        workdir: s.workdir,
        accountId,
        planRoleVar: names.planRoleArn,
        driftRoleVar: names.driftRoleArn,
        regionVar: names.region,
      });
    }
  }
  return out;
}
