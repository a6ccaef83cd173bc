/** What a role may do: its managed and inline policies and its boundary, read for administrator access and readOnly. */
import type { RoleConfig } from '../config/access-config.js';
import { LIMITS, checkManagedPolicyArn, checkPartition, checkPolicyName, checkPolicyText, policySize } from '../iam/limits.js';
import { checkPolicyArnTarget, checkRolePermissions } from '../iam/permissions/index.js';
import type { Problems, RepoContext } from './support.js';
import { canonicalJson, sortedEntries, sortedUnique } from './support.js';
import type { InlinePolicyModel, Risk } from './types.js';

export interface RolePermissions {
  readonly managedPolicyArns: string[];
  readonly inlinePolicies: InlinePolicyModel[];
  readonly boundary: string | undefined;
}

/** Checks a role's policies and boundary; pushes the administrator-access risk when the role opted in to it. */
export function compilePermissions(
  role: RoleConfig,
  target: { readonly name: string; readonly path: string; readonly readOnly: boolean },
  at: PropertyKey[],
  ctx: RepoContext,
  risks: Risk[],
  p: Problems,
): RolePermissions {
  const { name, path, readOnly } = target;
  const managedPolicyArns = sortedUnique(role.managedPolicyArns);
  managedPolicyArns.forEach((arn) => {
    const i = (role.managedPolicyArns ?? []).indexOf(arn);
    p.check([...at, 'managedPolicyArns', i], arn, checkManagedPolicyArn(arn));
  });
  if (managedPolicyArns.length > ctx.managedPoliciesPerRole)
    p.add([...at, 'managedPolicyArns'], managedPolicyArns.length, `a role has at most ${ctx.managedPoliciesPerRole} managed policies (aws.managedPoliciesPerRole, raisable by quota to 25)`);
  const inlinePolicies: InlinePolicyModel[] = [];
  const inlineDocuments: { name: string; document: unknown; json: string }[] = [];
  let inlineTotal = 0;
  for (const [policyName, doc] of sortedEntries(role.inlinePolicies)) {
    const where = [...at, 'inlinePolicies', policyName];
    p.check(where, policyName, checkPolicyName(policyName));
    const json = canonicalJson({ Version: '2012-10-17', ...doc });
    p.check(where, policyName, checkPolicyText(json));
    inlineTotal += policySize(json);
    inlineDocuments.push({ name: policyName, document: doc, json });
    inlinePolicies.push({ name: policyName, json });
  }
  if (inlineTotal > LIMITS.inlinePoliciesTotalMaxChars)
    p.add([...at, 'inlinePolicies'], inlineTotal, `inline policies of a role total at most ${LIMITS.inlinePoliciesTotalMaxChars} characters; use a customer managed policy`);
  // Administrator-equivalent and readOnly, read from the policies' content with the IAM action and AWS managed
  // policy datasets (./permissions); inline statements are checked for shape there too.
  const permissions = checkRolePermissions({
    managedPolicyArns: managedPolicyArns
      .filter((arn) => checkManagedPolicyArn(arn) === undefined)
      .map((arn) => ({ arn, index: (role.managedPolicyArns ?? []).indexOf(arn) })),
    inlinePolicies: inlineDocuments,
    readOnly,
    allowAdministratorAccess: role.dangerouslyAllowAdministratorAccess === true,
    roleArn: `arn:${ctx.partition}:iam::${ctx.config.aws.accountId}:role${path}${name}`,
    partition: checkPartition(ctx.partition) === undefined ? ctx.partition : undefined,
    accountId: ctx.config.aws.accountId,
  });
  for (const q of permissions.problems) p.add([...at, ...q.path], q.value, q.rule);
  if (permissions.administrator !== undefined) {
    if (role.dangerouslyAllowAdministratorAccess) risks.push({ kind: 'administrator-access', detail: permissions.administrator });
  } else if (role.dangerouslyAllowAdministratorAccess) {
    p.add([...at, 'dangerouslyAllowAdministratorAccess'], true, 'this opt-in has no effect without administrator access; remove it');
  }
  const boundary = role.permissionsBoundaryArn ?? ctx.config.defaults?.permissionsBoundaryArn;
  if (role.permissionsBoundaryArn !== undefined && p.check([...at, 'permissionsBoundaryArn'], role.permissionsBoundaryArn, checkManagedPolicyArn(role.permissionsBoundaryArn)))
    p.check([...at, 'permissionsBoundaryArn'], role.permissionsBoundaryArn, checkPolicyArnTarget(role.permissionsBoundaryArn, checkPartition(ctx.partition) === undefined ? ctx.partition : undefined, ctx.config.aws.accountId));
  return { managedPolicyArns, inlinePolicies, boundary };
}
