// Types of github-changes.mjs.
import type { ResourceChange } from './plan-json.mjs';

/** Marks a value only terraform can know. */
export declare const UNKNOWN: { readonly 'keyless-unknown': true };

/** A GitHub change computed from the configuration against the state. */
export interface ComputedChange extends ResourceChange {
  readonly keyless_source: 'config-vs-state';
  /** The configuration's values (references resolved, `UNKNOWN` where only terraform can know). */
  readonly keyless_config?: unknown;
}

/** Whether `actual` (state shape) has every value `desired` (configuration shape) sets. */
export declare function satisfies(desired: unknown, actual: unknown, key?: string): boolean;

/** The changes of the `github_*` resources of a stack: its configuration against the prior state of a plan. */
export declare function githubChanges(config: unknown, plan: unknown): ComputedChange[];
