/**
 * Organization roles: "every repository of the owner may deploy through our reviewed reusable workflow". Trusted
 * by the owner's numeric id (`repository_owner_id`) and the workflow the job runs (`job_workflow_ref`), pinned to
 * a ref, with no subject beyond the owner's own repositories. AWS STS validates both claims at assume time.
 */
import type { AccessConfig } from '../config/access-config.js';
import { checkWorkflowRef } from '../github/subject.js';
import { buildTrustPolicy } from '../iam/trust-policy.js';
import type { TrustGrant } from '../iam/trust-policy.js';
import { roleBasics, roleModel } from './role.js';
import type { Problems, RepoContext } from './support.js';
import { githubAudienceRisk, sortedEntries, sortedUnique } from './support.js';
import type { Risk, RoleModel } from './types.js';

/** The organization roles of a config, checked; problems are reported and such roles left out. */
export function buildOrganizationRoles(config: AccessConfig, ctx: RepoContext, p: Problems): RoleModel[] {
  const roles: RoleModel[] = [];
  const owner = config.github.owner;
  const ownerId = config.github.ownerId;
  const entries = sortedEntries(config.organization?.roles);
  if (config.organization !== undefined && entries.length === 0) p.add(['organization', 'roles'], {}, 'declare at least one role, or remove organization');
  if (entries.length === 0) return roles;
  if (ownerId === undefined) {
    p.add(['organization'], owner, 'an organization role trusts the owner by its numeric id, never by name: set github.ownerId');
    return roles;
  }
  if (!ctx.pinIds) {
    p.add(['organization'], owner,
      `an organization role relies on the repository_owner_id and job_workflow_ref claims, which AWS documents for github.com only; ${ctx.resolvedIssuer.label} needs github.pinIds: true to opt in`);
    return roles;
  }
  for (const [key, role] of entries) {
    const at = ['organization', 'roles', key];
    const before = p.lines.length;
    const risks: Risk[] = [];
    const allowAnyRef = role.dangerouslyAllowAnyWorkflowRef === true;
    const workflows = sortedUnique(role.trust.workflows);
    if (workflows.length === 0) p.add([...at, 'trust', 'workflows'], [], 'list the reviewed reusable workflow every job must run');
    for (const w of workflows) {
      const where = [...at, 'trust', 'workflows', role.trust.workflows.indexOf(w)];
      if (!p.check(where, w, checkWorkflowRef(w, allowAnyRef))) continue;
      const workflowOwner = w.slice(0, w.indexOf('/'));
      if (workflowOwner.toLowerCase() !== owner.toLowerCase())
        p.add(where, w, `the workflow lives in a repository of ${workflowOwner}, not ${owner}: whoever controls it could run anything with this role; keep it in a repository of ${owner}`);
      if (w.endsWith('@*')) risks.push({ kind: 'any-workflow-ref', detail: `any ref of ${w.slice(0, -2)}` });
    }
    if (allowAnyRef && !workflows.some((w) => w.endsWith('@*')))
      p.add([...at, 'dangerouslyAllowAnyWorkflowRef'], true, 'this opt-in has no effect without a workflow ref ending in "@*"; remove it');
    const basics = roleBasics(key, role, {
      name: `${ctx.roleNamePrefix}org-${key}`,
      description: `GitHub Actions in every repository of ${owner} through reviewed workflows (${key}), managed by keyless`,
      tags: { 'keyless:environment': ctx.config.environment, 'keyless:organization': owner, 'keyless:role': key },
    }, at, ctx, risks, p);
    if (p.lines.length > before || !ctx.globalsOk) continue;

    risks.push({ kind: 'organization-wide', detail: `every repository of ${owner} (id ${ownerId}) running ${workflows.join(' or ')}` });
    const audienceRisk = githubAudienceRisk(ctx);
    if (audienceRisk) risks.push(audienceRisk);
    // The owner's repositories in either subject form; the owner's id and the workflow are what pin the role.
    const grant: TrustGrant = {
      subjects: [`repo:${owner}/*`, `repo:${owner}@${ownerId}/*`],
      claims: { repository_owner_id: [String(ownerId)], job_workflow_ref: workflows },
    };
    try {
      const trustPolicy = buildTrustPolicy({
        subjects: [],
        grants: [grant],
        dangerouslyAllowGithubAudience: config.github.dangerouslyAllowGithubAudience === true,
        providerArn: ctx.providerArn,
        conditionKeyPrefix: ctx.resolvedIssuer.conditionKeyPrefix,
        audiences: ctx.audiences,
        maxChars: ctx.trustPolicyMaxChars,
        label: 'trust',
      });
      roles.push(roleModel(key, basics, { subjects: [], claims: [...grant.subjects].sort(), grants: [grant], trustPolicy }, risks, role));
    } catch (error) {
      p.add([...at, 'trust'], workflows, (error as Error).message.replace(/^trust: /, ''));
    }
  }
  return roles;
}
