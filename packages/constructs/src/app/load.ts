import { loadConfigFile } from '@keyless/policy';
import type { AccessModel } from '@keyless/policy';

/**
 * Reads and validates an access config file (YAML): the loader of @keyless/policy (`loadConfigFile`), for a
 * `KeylessStack` of your own. Throws ConfigError naming the file and each problem's line and column.
 */
export function loadAccessModel(configFile: string | URL): AccessModel {
  return loadConfigFile(configFile, { kind: 'access' }).model;
}

/**
 * The backend chosen by `KEYLESS_BACKEND`: `local` forces local state (the bootstrap's first apply), `s3`
 * requires the config's state bucket, unset or `auto` uses S3 when the config names a bucket.
 */
export function backendFromEnvironment(): 'auto' | 'local' | 's3' {
  const value = process.env['KEYLESS_BACKEND'] ?? 'auto';
  if (value === 'auto' || value === 'local' || value === 's3') return value;
  throw new Error(`KEYLESS_BACKEND: "${value}": use auto, local or s3`);
}
