/**
 * What `keyless init` asks and the access config it writes from the answers: the questions (one per flag), the
 * config's text, and the data that text must read back as.
 */
import type { BootstrapAccountModel } from '@keyless/policy';

/** The answers init needs; the ids are optional (with both, subjects are immutable). */
export interface InitAnswers {
  readonly env: string;
  readonly owner: string;
  readonly ownerId?: number;
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  readonly repositoryId?: number;
  readonly branch: string;
}

export interface Field {
  readonly key: keyof InitAnswers;
  readonly flag: string;
  readonly question: string;
  readonly required: boolean;
  readonly numeric?: boolean;
  /** The config path of the answer, for its problems. */
  readonly path: (a: InitAnswers) => readonly (string | number)[];
}

export const INIT_FIELDS: readonly Field[] = [
  { key: 'env', flag: '--env', question: 'environment name (lowercase, such as staging)', required: true, path: () => ['environment'] },
  { key: 'owner', flag: '--owner', question: 'GitHub organisation or user that owns the repositories', required: true, path: () => ['github', 'owner'] },
  { key: 'ownerId', flag: '--owner-id', question: "its numeric id (gh api orgs/OWNER --jq .id; empty to skip)", required: false, numeric: true, path: () => ['github', 'ownerId'] },
  { key: 'account', flag: '--account', question: 'AWS account id (12 digits)', required: true, path: () => ['aws', 'accountId'] },
  { key: 'region', flag: '--region', question: 'AWS region (such as eu-west-1)', required: true, path: () => ['aws', 'region'] },
  { key: 'repository', flag: '--repository', question: 'first repository (name only)', required: true, path: (a) => ['repositories', a.repository] },
  { key: 'repositoryId', flag: '--repository-id', question: "its numeric id (gh api repos/OWNER/REPO --jq .id; empty to skip)", required: false, numeric: true, path: (a) => ['repositories', a.repository, 'id'] },
  { key: 'branch', flag: '--branch', question: 'branch whose jobs may assume the role', required: false, path: (a) => ['repositories', a.repository, 'roles', 'deploy', 'trust', 'branches', 0] },
];

export const DEFAULT_BRANCH = 'main';

/** What the bootstrap config of the workspace says about the account, when it holds it. */
export interface BootstrapFacts {
  readonly file: string;
  readonly owner: string;
  readonly ownerId?: number;
  readonly account?: BootstrapAccountModel;
}

function yamlString(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) && !/^[0-9.]+$/.test(value) ? value : JSON.stringify(value);
}

/** The access config's text. */
export function accessConfigText(a: InitAnswers, bootstrap: BootstrapFacts | undefined, schemaPath: string | undefined): string {
  const account = bootstrap?.account;
  const lines = [
    ...(schemaPath ? [`# yaml-language-server: $schema=${schemaPath}`] : []),
    `# Access config of the ${a.env} environment (AWS account ${a.account}), written by keyless init.`,
    '# Each repository lists the roles it gets here, who may assume each (trust) and what each may do.',
    `# Check it with \`pnpm keyless check ${a.env}\`; docs/cli.md and docs/access-config.md describe every key.`,
    `environment: ${yamlString(a.env)}`,
    'aws:',
    `  accountId: ${JSON.stringify(a.account)}`,
    `  region: ${yamlString(a.region)}`,
  ];
  if (account) {
    lines.push(
      `  # The bootstrap stack (${bootstrap.file}) creates the account's GitHub OIDC provider; an account holds one per issuer.`,
      '  oidcProvider:',
      `    existingArn: ${account.model.aws.oidcProviderArn}`,
      `# Terraform state: the bucket the bootstrap stack creates in this account (S3 lock files, no DynamoDB).`,
      'state:',
      `  bucket: ${account.account.stateBucket}`,
      ...(account.account.access.aws.region !== a.region ? [`  region: ${account.account.access.aws.region}`] : []),
    );
  }
  lines.push('github:', `  owner: ${yamlString(a.owner)}`, ...(a.ownerId !== undefined ? [`  ownerId: ${a.ownerId}`] : []));
  if (account)
    lines.push(
      'defaults:',
      "  # Every role carries the boundary the bootstrap stack creates: the pipeline's apply role creates no role without it.",
      `  permissionsBoundaryArn: ${account.account.boundaryPolicy.arn}`,
    );
  lines.push(
    '',
    'repositories:',
    `  ${yamlString(a.repository)}:`,
    ...(a.repositoryId !== undefined ? [`    id: ${a.repositoryId}`] : []),
    '    roles:',
    `      # Jobs on the ${a.branch} branch of ${a.owner}/${a.repository} may assume this role. Its ARN is the repository`,
    '      # variable AWS_ROLE_ARN: role-to-assume: ${{ vars.AWS_ROLE_ARN }} in aws-actions/configure-aws-credentials.',
    '      deploy:',
    '        trust:',
    `          branches: [${yamlString(a.branch)}]`,
    '        # What the role may do: AWS managed policies, customer managed policies of this account, or inline',
    '        # policies. It may do nothing until you add some, for example:',
    '        # managedPolicyArns:',
    '        #   - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    '        # inlinePolicies:',
    '        #   site-bucket:',
    '        #     Statement:',
    '        #       - Effect: Allow',
    '        #         Action: [s3:PutObject]',
    `        #         Resource: arn:aws:s3:::${a.repository.toLowerCase()}-${a.env}/*`,
    '',
  );
  return lines.join('\n');
}

/** What the config must read back as: the answers, nothing more or less. */
export function expectedData(a: InitAnswers, bootstrap: BootstrapFacts | undefined): unknown {
  const account = bootstrap?.account;
  return {
    environment: a.env,
    aws: { accountId: a.account, region: a.region, ...(account ? { oidcProvider: { existingArn: account.model.aws.oidcProviderArn } } : {}) },
    ...(account ? { state: { bucket: account.account.stateBucket, ...(account.account.access.aws.region !== a.region ? { region: account.account.access.aws.region } : {}) } } : {}),
    github: { owner: a.owner, ...(a.ownerId !== undefined ? { ownerId: a.ownerId } : {}) },
    ...(account ? { defaults: { permissionsBoundaryArn: account.account.boundaryPolicy.arn } } : {}),
    repositories: { [a.repository]: { ...(a.repositoryId !== undefined ? { id: a.repositoryId } : {}), roles: { deploy: { trust: { branches: [a.branch] } } } } },
  };
}

export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v));
}
