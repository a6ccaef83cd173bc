// Types of plan-json.mjs.

/** The parts of Terraform's JSON plan representation that a review needs (format 1.x). */
export interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  /** Changes Terraform found on refresh: made outside Terraform since the last apply. */
  readonly resource_drift?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, Change>>;
  readonly errored?: boolean;
  readonly applyable?: boolean;
  readonly complete?: boolean;
}

export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'forget';

export interface Change {
  readonly actions: readonly Action[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  readonly replace_paths?: readonly (readonly (string | number)[])[];
  readonly importing?: { readonly id?: string; readonly identity?: unknown };
}

export interface ResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly deposed?: string;
  readonly change: Change;
  readonly action_reason?: string;
  /**
   * Set by keyless on a change it computed itself instead of terraform: `config-vs-state` for the GitHub half of
   * a pull request's plan (github-changes.mjs).
   */
  readonly keyless_source?: 'config-vs-state';
}

/** What a resource change does, as a reviewer reads it. */
export type ChangeKind = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'forget' | 'import' | 'move' | 'no-op';

export declare function changeKind(rc: ResourceChange): ChangeKind;

export interface PlanSummary {
  /** Terraform's own counts: a replacement is one add and one destroy. */
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly import: number;
  readonly forget: number;
  readonly move: number;
  /** Managed resources by what happens to them; data sources and no-ops are left out. */
  readonly byKind: Readonly<Record<Exclude<ChangeKind, 'no-op' | 'read'>, readonly ResourceChange[]>>;
  /** Data sources Terraform can only read during apply. */
  readonly reads: readonly ResourceChange[];
  /** Changes made outside Terraform that the refresh found. */
  readonly drift: readonly ResourceChange[];
  readonly outputs: readonly { readonly name: string; readonly kind: ChangeKind }[];
  readonly noChanges: boolean;
}

export declare function summarizePlan(plan: PlanJson): PlanSummary;

/** Terraform's summary line, e.g. `Plan: 1 to add, 2 to change, 0 to destroy.` */
export declare function summaryLine(s: PlanSummary): string;

/** One changed leaf of a resource's attributes. */
export interface AttributeChange {
  /** `name`, `tags.team`, `assume_role_policy.Statement[0].Condition…` (inside JSON-encoded policy text too). */
  readonly path: string;
  /** Display text: a JSON literal, `(known after apply)`, `(sensitive value)` or `(none)`. */
  readonly before: string;
  readonly after: string;
  /** This path forces the replacement of the resource. */
  readonly forcesReplacement: boolean;
}

/**
 * The leaves a change alters, before → after, descending into JSON policy text; sensitive values are never
 * shown, unknown values read `(known after apply)`. At most `limit` entries.
 */
export declare function attributeChanges(change: Change, limit?: number): AttributeChange[];

/** The attribute paths that force a replacement, as `name`, `role`… */
export declare function replacementPaths(rc: ResourceChange): string[];

/** A value with every part the mask marks sensitive replaced by `{"keyless-sensitive-sha256": <hex>}`. */
export declare function redactSensitive(value: unknown, mask: unknown): unknown;

/**
 * `terraform show -json` reduced to the resource changes, drift, output changes and flags, sensitive values
 * replaced by their digests; no prior state, planned values or configuration.
 */
export declare function reducePlan(plan: Record<string, unknown>): PlanJson;
