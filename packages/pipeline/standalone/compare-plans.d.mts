// Types of compare-plans.mjs.
import type { PlanJson } from './plan-json.mjs';

export interface PlanComparison {
  readonly same: boolean;
  /** One line per difference, naming the address and what differs (paths only, never values). */
  readonly differences: readonly string[];
}

/** The paths at which two JSON values differ (at most `limit`). */
export declare function differingPaths(a: unknown, b: unknown, path?: string, limit?: number, out?: string[]): string[];

/** Compares the plan made now with the plan that was reviewed (import ids and GitHub half included). */
export declare function comparePlans(reviewed: PlanJson, current: PlanJson): PlanComparison;
