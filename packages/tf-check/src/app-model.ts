/**
 * What an app's synthesized stack must contain, derived from the app's own config: the app tests compare
 * the Terraform JSON with the access model built from `access.yaml` or `bootstrap.yaml`, so they hold for
 * any organisation's config, not only the examples this repository ships.
 *
 * The model types are structural (the fields of `@keyless/policy`'s AccessModel that are read here), so this
 * package needs no runtime dependency on the policy package: an app passes the model it built.
 */

/** The parts of `@keyless/policy`'s AccessModel that the synthesized stack is checked against. */
export interface ModelLike {
  readonly aws: {
    readonly accountId: string;
    readonly region: string;
    readonly oidcProvider: { readonly create: true } | { readonly existingArn: string };
    readonly oidcProviderArn: string;
    readonly tags: Readonly<Record<string, string>>;
  };
  readonly github: {
    readonly owner: string;
    readonly resolvedIssuer: { readonly url: string };
    readonly audiences: readonly string[];
  };
  readonly state?: { readonly bucket: string; readonly region: string };
  readonly repositories: readonly {
    readonly key: string;
    readonly identity: { readonly name: string };
    readonly subjectClaimKeys?: readonly string[];
    readonly manageSubjectTemplate: boolean;
    readonly environments: readonly { readonly name: string }[];
    readonly roles: readonly RoleLike[];
    readonly variables: readonly {
      readonly repository: string;
      readonly name: string;
      readonly scope: 'repository' | 'environment';
      readonly environment?: string;
      readonly value: { readonly kind: 'role-arn'; readonly role: string } | { readonly kind: 'region' };
    }[];
  }[];
  readonly organizationRoles?: readonly RoleLike[];
}

/** A role of the model, as far as these checks read it. */
export interface RoleLike {
  readonly key: string;
  readonly name: string;
  readonly path: string;
  readonly claims: readonly string[];
  /** Each way in: `sub` values and the further claims the same token must carry. */
  readonly grants: readonly { readonly subjects: readonly string[]; readonly claims?: Readonly<Partial<Record<string, readonly string[]>>> }[];
  readonly managedPolicyArns: readonly string[];
  readonly inlinePolicies: readonly { readonly name: string; readonly json: string }[];
  readonly maxSessionDurationSeconds: number;
  readonly permissionsBoundaryArn?: string;
}

/** One stack the app must write, with the model it is synthesized from. */
export interface StackModel {
  readonly stackId: string;
  readonly model: ModelLike;
  /** A bootstrap stack's state bucket, which it creates. */
  readonly stateBucket?: string;
}

/** Whether a trust policy (its JSON) accepts a token with these claims; the app passes @keyless/policy's evaluator. */
export type TrustEvaluator = (policyJson: string, claims: { readonly iss: string; readonly aud: string; readonly sub: string; readonly [claim: string]: string }) => boolean;

type Block = Record<string, unknown>;

/** The synthesized Terraform JSON of one stack, as far as these checks read it. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly provider?: Record<string, Block[]>;
  readonly terraform?: Block;
}

const resources = (json: StackJson, type: string): [string, Block][] => Object.entries(json.resource?.[type] ?? {});

/** The construct path of a resource (`dev/repo-web-app/role-deploy/role`), from cdktf's metadata. */
const constructPath = (block: Block): string =>
  ((block['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? '') as string;

const sorted = <T>(items: readonly T[]): T[] => [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Terraform JSON escapes `${` as `$${`; IAM sees the unescaped text. */
const unescapeTerraform = (text: string): string => text.replaceAll('$${', '${').replaceAll('%%{', '%{');

/**
 * Every difference between a synthesized stack and what its model says it must contain, as readable lines
 * (empty when they agree): the providers, the OIDC provider, one role per declared role at an address derived
 * from its repository and role keys only, each role's policies and session length, the trust policy
 * accepting every declared subject, the environments, the subject templates and the variables with their
 * values.
 */
export function stackDifferences(stack: StackModel, json: StackJson, evaluate?: TrustEvaluator): string[] {
  const problems: string[] = [];
  const { stackId, model } = stack;
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(`${stackId}: ${what}`);
  };
  const same = (actual: unknown, expected: unknown, what: string): void =>
    check(JSON.stringify(actual) === JSON.stringify(expected), `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);

  // Providers and backend.
  const aws = json.provider?.['aws'] ?? [];
  same(aws.length, 1, 'aws providers');
  same(aws[0]?.['allowed_account_ids'], [model.aws.accountId], 'aws provider allowed_account_ids');
  same(aws[0]?.['region'], model.aws.region, 'aws provider region');
  const defaultTags = ((aws[0]?.['default_tags'] as { tags?: Record<string, string> }[] | undefined)?.[0]?.tags ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(model.aws.tags)) same(defaultTags[k], v, `aws provider default tag ${k}`);
  same(json.provider?.['github']?.map((g) => g['owner']), [model.github.owner], 'github provider owner');
  if (model.state) {
    const s3 = (json.terraform?.['backend'] as { s3?: Block } | undefined)?.s3;
    same([s3?.['bucket'], s3?.['region']], [model.state.bucket, model.state.region], 'S3 backend bucket and region');
  }

  // OIDC provider: created here, or referred to by its ARN.
  const providers = resources(json, 'aws_iam_openid_connect_provider');
  // The principal of every trust policy: the provider created here (by reference), or the existing one's ARN.
  let principal = model.aws.oidcProviderArn;
  if ('create' in model.aws.oidcProvider) {
    principal = `\${aws_iam_openid_connect_provider.${providers[0]?.[0] ?? '<none>'}.arn}`;
    same(
      providers.map(([, p]) => [p['url'], p['client_id_list']]),
      [[model.github.resolvedIssuer.url, [...model.github.audiences]]],
      'OIDC provider (url, client ids)',
    );
  } else {
    same(providers.length, 0, 'OIDC providers created (the config names an existing one)');
  }

  // Roles: exactly the declared ones, each at the address of its repository and role keys.
  const roleResources = resources(json, 'aws_iam_role');
  const declared = [
    ...model.repositories.flatMap((repo) => repo.roles.map((role) => ({ owner: `repo-${repo.key}`, key: `${repo.key}/${role.key}`, role }))),
    ...(model.organizationRoles ?? []).map((role) => ({ owner: 'organization', key: `organization/${role.key}`, role })),
  ];
  same(sorted(roleResources.map(([, r]) => r['name'])), sorted(declared.map((d) => d.role.name)), 'role names');
  const addressOf = new Map<string, string>();
  for (const { owner, key, role } of declared) {
    const found = roleResources.find(([, r]) => r['name'] === role.name);
    if (!found) continue;
    const [address, block] = found;
    addressOf.set(key, address);
    const where = `role ${role.name}`;
    same(constructPath(block), `${stackId}/${owner}/role-${role.key}/role`, `${where}: construct path (its address derives from the keys only)`);
    same(block['path'], role.path, `${where}: path`);
    same(block['max_session_duration'], role.maxSessionDurationSeconds, `${where}: max_session_duration`);
    same(block['permissions_boundary'], role.permissionsBoundaryArn, `${where}: permissions_boundary`);
    const trust = String(block['assume_role_policy']);
    const statements = [(JSON.parse(unescapeTerraform(trust)) as { Statement: unknown }).Statement].flat() as { Principal?: { Federated?: string } }[];
    for (const s of statements) same(s.Principal?.Federated, principal, `${where}: trust policy principal`);
    if (evaluate) {
      // As IAM sees it: the provider reference resolved to the provider's ARN (checked above).
      const policy = unescapeTerraform(trust).replaceAll(principal, model.aws.oidcProviderArn);
      const token = { iss: model.github.resolvedIssuer.url, aud: model.github.audiences[0] ?? '' };
      // Each subject with the further claims its grant requires (pinned ids, an environment's ref, a workflow).
      for (const grant of role.grants) {
        const claims = Object.fromEntries(Object.entries(grant.claims ?? {}).map(([k, v]) => [k, (v?.[0] ?? '').replace(/\*/g, 'x1')]));
        for (const sub of grant.subjects.map((s) => s.replace(/\*/g, 'x1'))) {
          check(evaluate(policy, { ...token, ...claims, sub }), `${where}: the trust policy refuses the declared subject ${sub}`);
          const other = sub.replace(/^repo:([^/]+)\/([^:@]+)/, 'repo:$1/$2-not-declared');
          if (other !== sub && !role.claims.includes(other) && !grant.subjects.some((s) => s.includes('*')))
            check(!evaluate(policy, { ...token, ...claims, sub: other }), `${where}: the trust policy accepts another repository's subject ${other}`);
          for (const [k, v] of Object.entries(claims))
            if (!(grant.claims?.[k] ?? []).some((x) => x.includes('*')))
              check(!evaluate(policy, { ...token, ...claims, [k]: `${v}9`, sub }), `${where}: the trust policy accepts ${sub} with another ${k}`);
        }
      }
    }
    const attachments = resources(json, 'aws_iam_role_policy_attachment').filter(([, a]) => a['role'] === `\${aws_iam_role.${address}.name}`);
    same(sorted(attachments.map(([, a]) => a['policy_arn'])), sorted(role.managedPolicyArns), `${where}: managed policies`);
    const inline = resources(json, 'aws_iam_role_policy').filter(([, p]) => String(p['role']).startsWith(`\${aws_iam_role.${address}.`));
    same(
      sorted(inline.map(([, p]) => [p['name'], JSON.parse(unescapeTerraform(String(p['policy'])))])),
      sorted(role.inlinePolicies.map((p) => [p.name, JSON.parse(p.json)])),
      `${where}: inline policies`,
    );
  }

  // GitHub environments and subject templates of the declared repositories.
  const underRepositories = ([, b]: [string, Block]): boolean => constructPath(b).startsWith(`${stackId}/repo-`);
  same(
    sorted(resources(json, 'github_repository_environment').filter(underRepositories).map(([, e]) => [e['repository'], e['environment']])),
    sorted(model.repositories.flatMap((repo) => repo.environments.map((e) => [repo.identity.name, e.name]))),
    'GitHub environments (repository, name)',
  );
  same(
    sorted(resources(json, 'github_actions_repository_oidc_subject_claim_customization_template').map(([, t]) => [t['repository'], t['include_claim_keys']])),
    sorted(
      model.repositories
        .filter((repo) => repo.manageSubjectTemplate && repo.subjectClaimKeys !== undefined)
        .map((repo) => [repo.identity.name, repo.subjectClaimKeys]),
    ),
    'subject templates (repository, claim keys)',
  );

  // Variables: each declared one with its value, and no other under the repositories.
  const written = [
    ...resources(json, 'github_actions_variable').filter(underRepositories).map(([, v]) => [v['repository'], 'repository', null, v['variable_name'], v['value']]),
    ...resources(json, 'github_actions_environment_variable').filter(underRepositories).map(([, v]) => [v['repository'], 'environment', v['environment'], v['variable_name'], v['value']]),
  ];
  const expected = model.repositories.flatMap((repo) =>
    repo.variables.map((v) => [
      v.repository,
      v.scope,
      v.environment ?? null,
      v.name,
      v.value.kind === 'region' ? model.aws.region : `\${aws_iam_role.${addressOf.get(`${repo.key}/${v.value.role}`) ?? `<no role ${v.value.role}>`}.arn}`,
    ]),
  );
  same(sorted(written), sorted(expected), 'variables (repository, scope, environment, name, value)');

  if (stack.stateBucket !== undefined) {
    same(resources(json, 'aws_s3_bucket').map(([, b]) => b['bucket']), [stack.stateBucket], 'state bucket');
  }
  return problems;
}
