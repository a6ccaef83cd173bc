import { describe, expect, it } from 'vitest';
import { GithubSubjectTemplate } from '../src/index.js';
import { onlyResource, synthScope } from './helpers.js';

const TEMPLATE = 'github_actions_repository_oidc_subject_claim_customization_template';

function synthTemplate(includeClaimKeys: readonly string[], repository = 'octo-repo') {
  return synthScope((scope) => {
    new GithubSubjectTemplate(scope, 'template', { repository, includeClaimKeys });
  });
}

describe('GithubSubjectTemplate', () => {
  it('turns off the default template and lists the claim keys in order', () => {
    expect(onlyResource(synthTemplate(['repo', 'context', 'job_workflow_ref']), TEMPLATE)).toEqual({
      repository: 'octo-repo',
      use_default: false,
      include_claim_keys: ['repo', 'context', 'job_workflow_ref'],
    });
  });

  it('keeps the declared order of the claim keys rather than sorting them', () => {
    expect(onlyResource(synthTemplate(['repository_owner_id', 'context', 'repo']), TEMPLATE)['include_claim_keys']).toEqual([
      'repository_owner_id',
      'context',
      'repo',
    ]);
  });

  it('fails when no claim key is given', () => {
    expect(() => synthTemplate([])).toThrow('includeClaimKeys: []: a subject template needs at least one claim key');
  });

  it('fails when a claim key is not lowercase letters and "_"', () => {
    expect(() => synthTemplate(['repo', 'job-workflow-ref'])).toThrow(
      'includeClaimKeys: "job-workflow-ref": a claim key is lowercase letters and "_", such as job_workflow_ref',
    );
  });

  it('fails when the repository name is not valid', () => {
    expect(() => synthTemplate(['repo'], 'octo repo')).toThrow('repository: "octo repo": a GitHub repository name uses letters');
  });
});
