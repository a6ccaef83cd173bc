// Shared by the policy tests: build a model from a config object, or list the problems it is refused for.
import { ConfigError, buildAccessModel, parseAccessConfig } from '../src/index.js';
import type { AccessModel } from '../src/index.js';

/** Parses and builds an access config object as if it were read from access.yaml. */
export function build(config: Record<string, unknown>): AccessModel {
  return buildAccessModel(parseAccessConfig(config, 'access.yaml'), 'access.yaml');
}

/** The problems a config is refused for (`path: value: rule` lines), or none. */
export function problems(config: Record<string, unknown>): string[] {
  try {
    build(config);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}
