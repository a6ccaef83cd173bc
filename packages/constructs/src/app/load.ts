import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, accessModelFromYaml } from '@keyless/policy';
import type { AccessModel } from '@keyless/policy';

/** Reads and validates an access config file (YAML). Throws ConfigError naming the file and each problem's line and column. */
export function loadAccessModel(configFile: string | URL): AccessModel {
  const path = configFile instanceof URL ? fileURLToPath(configFile) : configFile;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return accessModelFromYaml(text, path);
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
