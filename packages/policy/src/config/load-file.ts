/**
 * The loader's file reader, the one place a config file is read: its text, then loadConfigText (load.ts). A file
 * that cannot be read is a ConfigError naming it, like any other problem of the config.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './problems.js';
import { configKindOf, loadConfigText } from './load.js';
import type { LoadOptions, LoadedAccessConfig, LoadedBootstrapConfig, LoadedConfig } from './load.js';

export interface LoadFileOptions extends LoadOptions {
  /**
   * The name errors and reports give the file, such as `apps/dev/access.yaml` relative to the workspace.
   * @default - the path
   */
  readonly source?: string;
}

/** The path of a file given as a path or a `file:` URL. */
export function configFilePath(file: string | URL): string {
  return file instanceof URL ? fileURLToPath(file) : file;
}

/** Reads a config file's text; a ConfigError naming `source` when it cannot be read. */
export function readConfigFile(file: string | URL, source = configFilePath(file)): string {
  try {
    return readFileSync(configFilePath(file), 'utf8');
  } catch (error) {
    throw new ConfigError(source, [`cannot read the file: ${(error as Error).message}`]);
  }
}

/**
 * Reads, parses and validates a config file and returns its stacks' models: an access config (by default any
 * name but one ending in bootstrap.yaml) or a bootstrap config. Throws one ConfigError naming the file with every
 * problem at its line and column, or saying that the file cannot be read.
 */
export function loadConfigFile(file: string | URL, options: LoadFileOptions & { readonly kind: 'access' }): LoadedAccessConfig;
export function loadConfigFile(file: string | URL, options: LoadFileOptions & { readonly kind: 'bootstrap' }): LoadedBootstrapConfig;
export function loadConfigFile(file: string | URL, options?: LoadFileOptions): LoadedConfig;
export function loadConfigFile(file: string | URL, options: LoadFileOptions = {}): LoadedConfig {
  const path = configFilePath(file);
  const source = options.source ?? path;
  const text = readConfigFile(path, source);
  options.onStep?.('read');
  return loadConfigText(text, source, { ...options, kind: options.kind ?? configKindOf(path) });
}

