
import type { AccessConfig, RoleConfig } from '@keyless/policy';
import { ADMIN_ACCEPTED, PLAIN_TEXT, READ_ACTIONS, READ_ONLY_MANAGED, WRITE_ACTIONS, WRITE_MANAGED, compact, } from './access-config-raw.js';
import type { RawConfig, RawPolicy, RawRole } from './access-config-raw.js';

// ---- building a valid config from raw choices -----------------------------------------------------------

/** The ARN of an AWS managed policy in a partition. */
export function awsManaged(partitionName: string, name: string): string {
  return `arn:${partitionName}:iam::aws:policy/${name}`;
}

export function variableSuffix(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function resourceOf(form: number, readOnly: boolean, templateText: boolean, repo: string): string | string[] {
  const bucket = `arn:aws:s3:::octo-${repo.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  switch (form) {
    case 0:
      return `${bucket}/*`;
    case 1:
      // An IAM policy variable: it must reach IAM literally.
      return `${bucket}/home/\${aws:username}/*`;
    case 2:
      return [bucket, `${bucket}/\${aws:PrincipalTag/team}/*`];
    case 3:
      return templateText ? `${bucket}/literal-%{not-a-directive}/*` : `${bucket}/logs/*`;
    default:
      return readOnly ? '*' : `${bucket}/deploy/*`;
  }
}

export function conditionOf(form: number, templateText: boolean): Record<string, unknown> | undefined {
  switch (form) {
    case 0:
      return undefined;
    case 1:
      return { StringLike: { 's3:prefix': ['home/${aws:username}/*', 'shared/*'] } };
    case 2:
      return { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } };
    default:
      return templateText
        ? { StringEquals: { 'aws:PrincipalTag/note': '%{if true}literal%{endif} and ${aws:PrincipalTag/team}' } }
        : { Bool: { 'aws:SecureTransport': 'true' } };
  }
}

export function inlinePolicy(raw: RawPolicy, readOnly: boolean, templateText: boolean, repo: string): Record<string, unknown> {
  const statements = raw.statements.map((st, i) => {
    // Deny statements are always fine; Allow statements stay within what the role may do.
    const pool = st.effect === 'Deny' ? ['s3:DeleteObject', 's3:PutObject'] : readOnly ? READ_ACTIONS : [...WRITE_ACTIONS, ...READ_ACTIONS];
    const actions = pool.length === 0 ? ['s3:GetObject'] : [...new Set(st.actions.map((a) => pool[Number(a) % pool.length] as string))];
    const condition = conditionOf(st.condition, templateText);
    return compact({
      Sid: st.sid ? `Statement${i}` : undefined,
      Effect: st.effect,
      Action: st.singleAction ? actions[0] : actions,
      Resource: resourceOf(st.resourceForm, readOnly, templateText, repo),
      Condition: condition,
    });
  });
  return compact({
    Version: raw.version ? '2012-10-17' : undefined,
    Statement: raw.singleStatement ? statements[0] : statements,
  });
}

/** Builds a config from raw choices; the result follows every rule the generator knows. */
export function permissionsOf(r: RawRole, raw: RawConfig, repoName: string): Pick<RoleConfig, 'managedPolicyArns' | 'inlinePolicies' | 'permissionsBoundaryArn'> {
  const partitionName = raw.partition ?? 'aws';
  const readOnly = r.kind === 'read-only';
  const managedPool = readOnly ? READ_ONLY_MANAGED : WRITE_MANAGED;
  const managedPolicyArns = managedPool.length === 0 ? [] : [...new Set(r.managed.map((i) => awsManaged(partitionName, managedPool[i % managedPool.length] as string)))];
  if (r.kind === 'admin') managedPolicyArns.push(awsManaged(partitionName, 'AdministratorAccess'));
  if (r.customerManaged && !readOnly) managedPolicyArns.push(`arn:${partitionName}:iam::${raw.accountId}:policy/team/${repoName.toLowerCase()}-deploy`);
  const inlinePolicies = Object.fromEntries(r.policies.map((p) => [p.name, inlinePolicy(p, readOnly, raw.templateText, repoName)]));
  const boundaries = [
    `arn:${partitionName}:iam::${raw.accountId}:policy/boundaries/ci-boundary`,
    `arn:${partitionName}:iam::${raw.accountId}:policy/keyless-boundary`,
    awsManaged(partitionName, 'PowerUserAccess'),
  ];
  return compact({
    managedPolicyArns: managedPolicyArns.length > 0 || r.falseOptIns ? managedPolicyArns : undefined,
    inlinePolicies: Object.keys(inlinePolicies).length > 0 ? (inlinePolicies as RoleConfig['inlinePolicies']) : undefined,
    permissionsBoundaryArn: r.boundary === undefined ? undefined : boundaries[r.boundary],
  });
}

/** Organization roles from raw choices, when the owner's id is known and pinned; each through workflows of the owner. */
export function organizationOf(raw: RawConfig, ownerId: number | undefined, repositoryNames: readonly string[]): AccessConfig['organization'] {
  if (ownerId === undefined || raw.organizationRoles.length === 0) return undefined;
  const workflows = [
    `${raw.owner}/shared-workflows/.github/workflows/deploy.yml@refs/heads/main`,
    `${raw.owner}/shared-workflows/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567`,
    `${raw.owner}/shared-workflows/.github/workflows/release.yml@refs/tags/v1`,
    `${raw.owner}/shared-workflows/.github/workflows/any.yml@*`,
  ];
  // A default name <prefix>org-<key> could meet a repository named org-...'s role: name them explicitly then.
  const clash = repositoryNames.some((n) => n.toLowerCase().startsWith('org'));
  const roles: NonNullable<AccessConfig['organization']>['roles'] = {};
  raw.organizationRoles.forEach((drawn, i) => {
    const r = (drawn.kind === 'admin' && !ADMIN_ACCEPTED) || drawn.kind === 'pull-request-write' ? { ...drawn, kind: 'write' as const } : drawn;
    const chosen = [...new Set(r.workflowRefs.map((n) => workflows[n % workflows.length] as string))];
    const anyRef = chosen.some((w) => w.endsWith('@*'));
    const optIn = (on: boolean): true | false | undefined => (on ? true : r.falseOptIns ? false : undefined);
    roles[r.key] = compact({
      name: r.explicitName || clash ? `o${i}.${r.key}` : undefined,
      description: r.description === undefined ? undefined : PLAIN_TEXT[r.description % PLAIN_TEXT.length],
      readOnly: r.kind === 'read-only' ? true : r.readOnlyExplicit ? false : undefined,
      trust: { workflows: chosen },
      ...permissionsOf(r, raw, 'org'),
      maxSessionDurationSeconds: r.maxSessionDurationSeconds,
      path: r.path,
      tags: r.roleTags,
      dangerouslyAllowAdministratorAccess: optIn(r.kind === 'admin'),
      dangerouslyAllowAnyWorkflowRef: optIn(anyRef),
    }) as NonNullable<AccessConfig['organization']>['roles'][string];
  });
  return { roles };
}

/** Whether keyless accepts the config; the ConfigError problems otherwise. */
