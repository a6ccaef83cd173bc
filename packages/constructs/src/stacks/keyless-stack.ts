import type { AccessModel } from '@keyless/policy';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ORGANIZATION_ID, keylessStackBlueprint } from '../blueprint/keyless-stack.js';
import { GithubActionsRole } from '../constructs/github-actions-role.js';
import type { KeylessStackBlueprint } from '../blueprint/keyless-stack.js';
import { githubOidcProviderFromSpec } from '../constructs/github-oidc-provider.js';
import type { IGithubOidcProvider } from '../constructs/github-oidc-provider.js';
import { prepared } from '../constructs/prepared.js';
import { Reader } from '../constructs/reader.js';
import { RepositoryAccess } from '../constructs/repository-access.js';
import { readFrame } from './frame.js';

/** How a stack keeps its Terraform state. */
export interface StackBackendProps {
  /**
   * Configure the Terraform backend yourself (called with the stack); overrides `backend`.
   * @default - see `backend`
   */
  readonly configureBackend?: (stack: TerraformStack) => void;
  /**
   * `s3`: the config's `state` bucket, key `<keyPrefix>/<stack id>.tfstate`, S3 lock files (`use_lockfile`);
   * `local`: a state file beside the stack, for the bootstrap's first apply before the state bucket exists (see
   * docs/runbook.md); `auto`: `s3` when the config has `state`, else `local`.
   * @default 'auto'
   */
  readonly backend?: 'auto' | 'local' | 's3';
}

export interface KeylessStackProps extends StackBackendProps {
  /**
   * The environment's validated access model: `buildAccessModel(config)`, `loadAccessModel(file)`, or one stack of
   * a sharded environment (`splitModel`).
   */
  readonly model: AccessModel;
}

/**
 * One environment's keyless access as a Terraform stack: the AWS and GitHub providers, the OIDC provider,
 * and every repository's roles, environments and variables. It reads the same blueprint as the printer
 * (`keyless synth`), which writes the same Terraform JSON without cdktf.
 */
export class KeylessStack extends TerraformStack {
  readonly model: AccessModel;
  readonly oidcProvider: IGithubOidcProvider;
  /** Each repository's construct, by repository key. */
  readonly repositories: ReadonlyMap<string, RepositoryAccess>;
  /** The organization roles, by role key (under the construct `organization`). */
  readonly organizationRoles: ReadonlyMap<string, GithubActionsRole>;

  constructor(scope: Construct, id: string, props: KeylessStackProps) {
    super(scope, id);
    this.model = props.model;
    let blueprint: KeylessStackBlueprint;
    try {
      blueprint = keylessStackBlueprint(id, props.model, props.configureBackend ? 'custom' : (props.backend ?? 'auto'));
    } catch (error) {
      throw new Error(`${this.node.path}: ${(error as Error).message}`);
    }
    readFrame(this, blueprint.frame, props.configureBackend);
    this.oidcProvider = githubOidcProviderFromSpec(this, blueprint.oidcProvider.id, blueprint.oidcProvider.spec);
    const repositories = new Map<string, RepositoryAccess>();
    for (const repo of blueprint.repositories) repositories.set(repo.key, new RepositoryAccess(this, repo.id, prepared(repo.spec)));
    this.repositories = repositories;
    const organizationRoles = new Map<string, GithubActionsRole>();
    if (blueprint.organizationRoles.length > 0) {
      const organization = new Construct(this, ORGANIZATION_ID);
      for (const role of blueprint.organizationRoles) organizationRoles.set(role.key, new GithubActionsRole(organization, role.id, prepared(role.spec)));
    }
    this.organizationRoles = organizationRoles;
    new Reader(this).outputs(blueprint.frame.outputs);
  }
}
