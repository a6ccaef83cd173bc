import type { ActionsRepositoryOidcSubjectClaimCustomizationTemplateConfig } from '@cdktf/provider-github/lib/actions-repository-oidc-subject-claim-customization-template/index.js';
import { resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/** A repository's OIDC subject template. */
export interface SubjectTemplateSpec {
  readonly repository: string;
  /** The claims that make up `sub`, in order. */
  readonly includeClaimKeys: readonly string[];
}

/** The template resource, at `<base>/template`. */
export function subjectTemplateResources(base: readonly string[], spec: SubjectTemplateSpec): ResourceBlueprint[] {
  return [
    resource<ActionsRepositoryOidcSubjectClaimCustomizationTemplateConfig>('github_actions_repository_oidc_subject_claim_customization_template', [...base, 'template'], {
      repository: spec.repository,
      useDefault: false,
      includeClaimKeys: spec.includeClaimKeys,
    }),
  ];
}
