import { ActionsRepositoryOidcSubjectClaimCustomizationTemplate } from '@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template/index.js';
import { checkRepositoryName } from '@keyless/policy';
import { Construct } from 'constructs';
import { literal } from './terraform-literal.js';

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
  readonly resource: ActionsRepositoryOidcSubjectClaimCustomizationTemplate;

  constructor(scope: Construct, id: string, props: GithubSubjectTemplateProps) {
    super(scope, id);
    const problem = checkRepositoryName(props.repository);
    if (problem) throw new Error(`repository: "${props.repository}": ${problem}`);
    if (props.includeClaimKeys.length === 0) throw new Error('includeClaimKeys: []: a subject template needs at least one claim key');
    for (const k of props.includeClaimKeys) {
      if (!CLAIM_KEY.test(k)) throw new Error(`includeClaimKeys: "${k}": a claim key is lowercase letters and "_", such as job_workflow_ref`);
    }
    this.resource = new ActionsRepositoryOidcSubjectClaimCustomizationTemplate(this, 'template', {
      repository: literal(props.repository),
      useDefault: false,
      includeClaimKeys: props.includeClaimKeys.map(literal),
    });
  }
}
