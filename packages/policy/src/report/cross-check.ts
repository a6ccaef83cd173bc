/**
 * Checks that several environments' access configs can live side by side: they write GitHub settings of the
 * same repositories and may share AWS accounts, and two Terraform states must never manage one object.
 */
import type { AccessModel } from '../model/index.js';

export interface NamedModel {
  /** Where the model came from, for messages, such as apps/dev/access.yaml. */
  readonly source: string;
  readonly model: AccessModel;
}

/** Returns one line per conflict; empty when the environments can be applied independently. */
export function crossCheckModels(models: readonly NamedModel[]): string[] {
  const problems: string[] = [];
  const variables = new Map<string, string>();
  const environments = new Map<string, string>();
  const templateOwners = new Map<string, string[]>();
  const templateUsers = new Map<string, { source: string; keys: string }[]>();
  const plainUsers = new Map<string, string[]>();
  const roleNames = new Map<string, string>();
  const providers = new Map<string, string>();
  // Numeric ids are facts about GitHub, the same in every environment: two configs that disagree pin a wrong one.
  const ownerIds = new Map<string, { source: string; id: number }>();
  const repoIds = new Map<string, { source: string; id: number }>();
  const sameId = (ids: Map<string, { source: string; id: number }>, key: string, id: number | undefined, source: string, what: string): void => {
    if (id === undefined) return;
    const first = ids.get(key);
    if (first === undefined) ids.set(key, { source, id });
    else if (first.id !== id) problems.push(`${source}: ${what}: ${id}: ${first.source} says ${first.id}; a wrong id locks the repository out of every role that pins it, so correct one of them`);
  };

  const sorted = [...models].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  for (const { source, model } of sorted) {
    const owner = model.github.owner.toLowerCase();
    if ('create' in model.aws.oidcProvider) {
      const key = `${model.aws.accountId} ${model.github.resolvedIssuer.url}`;
      const first = providers.get(key);
      if (first) problems.push(`${source}: aws.oidcProvider: both ${first} and this config create the provider for ${model.github.resolvedIssuer.url} in account ${model.aws.accountId}; an account holds one per issuer, so set existingArn in one of them`);
      else providers.set(key, source);
    }
    sameId(ownerIds, owner, model.github.ownerId, source, 'github.ownerId');
    for (const role of model.organizationRoles ?? []) {
      const key = `${model.aws.accountId} ${role.name.toLowerCase()}`;
      const first = roleNames.get(key);
      if (first) problems.push(`${source}: ${role.entry}.name: "${role.name}" is also a role name in account ${model.aws.accountId} from ${first}; role names are unique ignoring case within an account`);
      else roleNames.set(key, `${source} (${role.entry})`);
    }
    for (const repo of model.repositories) {
      const repoKey = `${owner}/${repo.key.toLowerCase()}`;
      sameId(repoIds, repoKey, repo.identity.id, source, `repositories.${repo.key}.id`);
      for (const v of repo.variables) {
        const key = `${owner}/${v.repository.toLowerCase()} ${(v.environment ?? '').toLowerCase()} ${v.name.toLowerCase()}`;
        const where = v.environment ? `environment ${v.environment} of ${model.github.owner}/${v.repository}` : `${model.github.owner}/${v.repository}`;
        const first = variables.get(key);
        if (first && first !== source) problems.push(`${source}: repositories.${repo.key}: variable ${v.name} in ${where} is also written by ${first}; two states would overwrite each other, so rename one (variable.name) or scope it to an environment`);
        else variables.set(key, source);
      }
      for (const env of repo.environments) {
        const key = `${repoKey} ${env.name.toLowerCase()}`;
        const first = environments.get(key);
        if (first) problems.push(`${source}: repositories.${repo.key}.environments.${env.name}: ${first} manages this GitHub environment too; declare it in one config only`);
        else environments.set(key, source);
      }
      if (repo.subjectClaimKeys) {
        const keys = repo.subjectClaimKeys.join(',');
        templateUsers.set(repoKey, [...(templateUsers.get(repoKey) ?? []), { source, keys }]);
        if (repo.manageSubjectTemplate) templateOwners.set(repoKey, [...(templateOwners.get(repoKey) ?? []), source]);
      } else {
        plainUsers.set(repoKey, [...(plainUsers.get(repoKey) ?? []), source]);
      }
      for (const role of repo.roles) {
        const key = `${model.aws.accountId} ${role.name.toLowerCase()}`;
        const first = roleNames.get(key);
        if (first) problems.push(`${source}: ${role.entry}.name: "${role.name}" is also a role name in account ${model.aws.accountId} from ${first}; role names are unique ignoring case within an account`);
        else roleNames.set(key, `${source} (${role.entry})`);
      }
    }
  }
  for (const [repo, users] of [...templateUsers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const owners = templateOwners.get(repo) ?? [];
    if (owners.length === 0) problems.push(`${repo}: roles in ${users.map((u) => u.source).join(', ')} rely on a subject template that no config writes; set manageSubjectTemplate: true (the default) in exactly one`);
    if (owners.length > 1) problems.push(`${repo}: ${owners.join(' and ')} both write the subject template; set manageSubjectTemplate: false in all but one`);
    if (new Set(users.map((u) => u.keys)).size > 1) problems.push(`${repo}: the configs disagree on the subject template (${users.map((u) => `${u.source}: ${u.keys}`).join('; ')})`);
    const plain = plainUsers.get(repo) ?? [];
    if (plain.length > 0) problems.push(`${repo}: ${plain.join(', ')} trust default subjects, but the repository's subject template includes job_workflow_ref, so those roles would never match; pin workflows there too`);
  }
  return problems;
}
