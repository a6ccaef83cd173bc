import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from '@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template/index.js';
import { checkRepositoryName } from '@keyless/policy';
import { Construct } from 'constructs';
import { subjectTemplateResources } from '../blueprint/subject-template.js';
import type { SubjectTemplateSpec } from '../blueprint/subject-template.js';
import { preparedSpec } from './prepared.js';
import { Reader } from './reader.js';

export interface GithubSubjectTemplateProps {
  /** Repository name (the GitHub provider's owner applies). */
  readonly repository: string;
  /** The claims that make up `sub`, in order, such as ['repo', 'context', 'job_workflow_ref']. */
  readonly includeClaimKeys: readonly string[];
}

const CLAIM_KEY = /^[a-z_]+$/;

/**
 * The repository's OIDC subject template. Roles that pin reusable workflows rely on it, so keyless
 * generates it from the same declaration as their trust policies, and the two cannot drift apart.
 */
export class GithubSubjectTemplate extends Construct {
  /** The `github_actions_repository_oidc_subject_claim_customization_template` resource. */
  readonly resource: ActionsRepositoryOidcSubjectClaimCustomizationTemplate;

  constructor(scope: Construct, id: string, props: GithubSubjectTemplateProps) {
    super(scope, id);
    const spec = preparedSpec<SubjectTemplateSpec>(props) ?? templateSpec(this.node.path, props);
    const [resource] = new Reader(this).build(this, (base) => subjectTemplateResources(base, spec), [ActionsRepositoryOidcSubjectClaimCustomizationTemplate]);
    this.resource = resource as ActionsRepositoryOidcSubjectClaimCustomizationTemplate;
  }
}

function templateSpec(at: string, props: GithubSubjectTemplateProps): SubjectTemplateSpec {
  const problem = checkRepositoryName(props.repository);
  if (problem) throw new Error(`${at}: repository: "${props.repository}": ${problem}`);
  if (props.includeClaimKeys.length === 0) throw new Error(`${at}: includeClaimKeys: []: a subject template needs at least one claim key`);
  for (const k of props.includeClaimKeys) {
    if (!CLAIM_KEY.test(k)) throw new Error(`${at}: includeClaimKeys: "${k}": a claim key is lowercase letters and "_", such as job_workflow_ref`);
  }
  return { repository: props.repository, includeClaimKeys: props.includeClaimKeys };
}
