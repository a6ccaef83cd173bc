/**
 * The access model: from a parsed access config to a validated, normalized description of every role, variable
 * and environment of one environment (./access-model), and how it splits into stacks (./placement).
 */
export * from './types.js';
export { canonicalJson } from './support.js';
export { buildAccessModel } from './access-model.js';
export { shardOf, splitModel } from './placement.js';
export { trustedClaims } from './queries.js';
