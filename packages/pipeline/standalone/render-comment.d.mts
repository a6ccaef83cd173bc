// Types of render-comment.mjs.
import type { PlanJson } from './plan-json.mjs';

/** GitHub refuses an issue comment body longer than 65,536 characters. */
export declare const GITHUB_COMMENT_LIMIT: 65536;

/** One line of the access section, computed from the configs (src/access-changes.ts). */
export interface AccessLine {
  readonly kind: 'gain' | 'loss' | 'change' | 'risk' | 'risk-removed';
  readonly line: string;
  /**
   * Leads the comment with an alert block: CAUTION for `administrator` and `pull-requests-write`, WARNING for
   * `pull-requests` and `any-branch` (newly trusted), `trust-pin` (a repository or owner id, ref or workflow pin
   * removed or changed) and `organization-wide` (every repository of an owner newly trusted).
   */
  readonly alert?: 'administrator' | 'pull-requests-write' | 'pull-requests' | 'any-branch' | 'trust-pin' | 'organization-wide';
}

export interface PlanCommentInput {
  /** The stack, e.g. `dev` or `bootstrap-prod`; names the marker. */
  readonly stack: string;
  /**
   * `plan`: a pull request's plan or the plan shown before an apply; `drift`: the nightly check, whose issue has
   * its own marker.
   * @default 'plan'
   */
  readonly kind?: 'plan' | 'drift';
  /** `terraform show -json tfplan` (reduced). */
  readonly planJson: PlanJson;
  /**
   * `terraform show -no-color tfplan`, shown folded as the full plan.
   * @default - a plan text rendered from planJson
   */
  readonly planText?: string;
  /** The access changes; undefined leaves the access section out, an empty list says nothing changes. */
  readonly access?: readonly AccessLine[];
  /** Notes shown under the summary line, each as a GitHub NOTE block. */
  readonly notes?: readonly string[];
  /** Link to the workflow run. */
  readonly runUrl?: string;
  /** The commit that was planned. */
  readonly commitSha?: string;
  /** SHA-256 of the saved plan file, shown in the footer (the apply job applies only the file with this digest). */
  readonly planDigest?: string;
  /**
   * Where the untruncated plan is, named when the comment is cut.
   * @default 'the job summary of the run and its artifact plan-<stack>'
   */
  readonly fullPlanLocation?: string;
  /**
   * The size limit, counted in UTF-8 bytes.
   * @default GITHUB_COMMENT_LIMIT
   */
  readonly maxLength?: number;
}

/** The hidden marker that identifies a stack's comment (or, for `drift`, its drift issue). */
export declare function commentMarker(stack: string, kind?: 'plan' | 'drift'): string;
export declare function textLength(s: string): number;
/** A Markdown code span that survives backticks in the text. */
export declare function code(text: string): string;
/** A plain plan text rendered from the JSON, when `terraform show` output is not at hand. */
export declare function planTextFromJson(plan: PlanJson): string;
/** Renders the comment; the result is never longer than `maxLength`. */
export declare function renderPlanComment(options: PlanCommentInput): string;

export interface PlanErrorOptions {
  readonly stack: string;
  /** @default 'plan' */
  readonly kind?: 'plan' | 'drift';
  /** What terraform printed on failure (the tail is kept). */
  readonly log: string;
  /** Which step failed: `synth`, `init`, `plan`. */
  readonly step?: string;
  readonly runUrl?: string;
  readonly commitSha?: string;
  readonly maxLength?: number;
}

/** The comment of a stack whose plan failed, so that no earlier plan's comment is taken for the current one. */
export declare function renderPlanError(options: PlanErrorOptions): string;
