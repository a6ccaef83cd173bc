import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { didYouMean, findWorkspaceRoot, loadConfigFile } from '@keyless/policy';
import type { NamedModel } from '@keyless/policy';

export { findWorkspaceRoot } from '@keyless/policy';

/** The config files of an app directory: access.yaml, or bootstrap.yaml. */
function configsIn(dir: string): string[] {
  return ['access.yaml', 'bootstrap.yaml'].map((f) => join(dir, f)).filter((f) => existsSync(f));
}

/**
 * Resolves what the user named — an app name (`dev`), an app directory, or a config file — to config files.
 * With no name, every app under `apps/`.
 */
export function resolveConfigFiles(names: readonly string[], cwd: string): string[] {
  const root = findWorkspaceRoot(cwd);
  if (names.length === 0) {
    const apps = join(root, 'apps');
    if (!existsSync(apps)) throw new Error(`no app named and no apps/ directory under ${root}`);
    return readdirSync(apps).sort().flatMap((name) => configsIn(join(apps, name)));
  }
  return names.flatMap((name) => {
    for (const candidate of [resolve(cwd, name), join(root, 'apps', name)]) {
      if (!existsSync(candidate)) continue;
      if (statSync(candidate).isFile()) return [candidate];
      const files = configsIn(candidate);
      if (files.length > 0) return files;
    }
    const hint = didYouMean(name, appNames(root));
    throw new Error(`"${name}" is not an app under apps/, an app directory or a config file${hint ? `; ${hint}` : ''}`);
  });
}

/** The apps of the workspace: directories under apps/ that hold an access.yaml or a bootstrap.yaml. */
export function appNames(root: string): string[] {
  const apps = join(root, 'apps');
  if (!existsSync(apps)) return [];
  return readdirSync(apps).sort().filter((name) => configsIn(join(apps, name)).length > 0);
}

/**
 * Loads and validates every environment of the named configs, each named where it came from relative to the
 * workspace (apps/dev/access.yaml; a bootstrap config yields one per account, apps/bootstrap/bootstrap.yaml#prod).
 * A ConfigError points at the file, line and column of each problem.
 */
export function loadEnvironments(files: readonly string[], cwd: string): NamedModel[] {
  const root = findWorkspaceRoot(cwd);
  return files.flatMap((file) => loadConfigFile(file, { source: relative(root, file) || file }).environments);
}
