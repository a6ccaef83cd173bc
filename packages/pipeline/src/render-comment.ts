/**
 * The pull request comment of one stack's plan. The renderer is standalone/render-comment.mjs (plain JavaScript,
 * no package: the terraform jobs run it without an install); this wrapper adds the access section computed from
 * the access reports of the base and the head, which needs @keyless/policy and so runs in the synthesis job.
 */
import type { AccessReport } from '@keyless/policy';
import { accessChanges } from './access-changes.js';
import { renderPlanComment as renderStandalone } from '../standalone/render-comment.mjs';
import type { PlanCommentInput } from '../standalone/render-comment.mjs';

export {
  GITHUB_COMMENT_LIMIT,
  code,
  commentMarker,
  planTextFromJson,
  renderPlanError,
  textLength,
} from '../standalone/render-comment.mjs';
export type { AccessLine, PlanCommentInput, PlanErrorOptions } from '../standalone/render-comment.mjs';

export interface PlanCommentOptions extends PlanCommentInput {
  /** The access report of the stack's environment before the change (absent for a new stack). */
  readonly accessBase?: AccessReport;
  /** The access report after the change (absent when the stack goes away). */
  readonly accessHead?: AccessReport;
}

/** Renders the comment; either report present adds the access section (a missing one is a new or removed stack). */
export function renderPlanComment(options: PlanCommentOptions): string {
  const { accessBase, accessHead, ...rest } = options;
  const access = accessBase !== undefined || accessHead !== undefined ? accessChanges(accessBase, accessHead) : rest.access;
  return renderStandalone({ ...rest, ...(access !== undefined ? { access } : {}) });
}
