/**
 * What the access model says each stack must make IAM hold, in the terms a rendered plan can be compared with:
 * per role its trust policy (`role.trustPolicy`, built once by the model: the same document `keyless explain` and the evaluator
 * reason about), inline policies, managed policy ARNs, permissions boundary, path, description, session length
 * and tags. JSON documents are canonical (parsed and written with sorted keys), so a comparison ignores only
 * formatting and key order, which IAM ignores too.
 */
import { canonicalJson, evaluateTrustPolicy, loadConfigFile } from '@keyless/policy';
import type { AccessConfig, AccessModel, BootstrapConfig, PolicyDocument } from '@keyless/policy';
import fc from 'fast-check';
import { validAccessConfig, type AccessConfigOptions } from './access-config.js';
import { validBootstrapConfig } from './bootstrap-config.js';

export interface ModelRole {
  /** Where the role is declared: `repositories.web.roles.deploy`. */
  readonly entry: string;
  readonly name: string;
  readonly path: string;
  readonly description: string;
  readonly maxSessionDurationSeconds: number;
  readonly permissionsBoundaryArn: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** Canonical JSON of `role.trustPolicy`, with the provider's real ARN. */
  readonly trustPolicy: string;
  /** The `sub` values the role trusts. */
  readonly claims: readonly string[];
  /** Each way in: `sub` values and the further claims (ids, ref, workflow) the same token must carry. */
  readonly grants: readonly { readonly subjects: readonly string[]; readonly claims: Readonly<Record<string, readonly string[]>> }[];
  readonly managedPolicyArns: readonly string[];
  /** Canonical JSON per inline policy name. */
  readonly inlinePolicies: Readonly<Record<string, string>>;
}

export interface ModelStack {
  readonly stackId: string;
  /** Whether the stack creates the OIDC provider (its ARN is then a reference until apply). */
  readonly createsProvider: boolean;
  /** The provider's ARN as it is or will be. */
  readonly providerArn: string;
  readonly issuerUrl: string;
  readonly audiences: readonly string[];
  readonly roles: readonly ModelRole[];
}

/** Parses and sorts the keys of a JSON document. */
export function canonicalJsonText(json: string): string {
  return canonicalJson(JSON.parse(json));
}

/** The expectations of one stack of a model. */
export function modelStack(stackId: string, model: AccessModel): ModelStack {
  return {
    stackId,
    createsProvider: 'create' in model.aws.oidcProvider,
    providerArn: model.aws.oidcProviderArn,
    issuerUrl: model.github.resolvedIssuer.url,
    audiences: [...model.github.audiences],
    roles: [...model.repositories.flatMap((repo) => repo.roles), ...(model.organizationRoles ?? [])].map((role) => ({
        entry: role.entry,
        name: role.name,
        path: role.path,
        description: role.description,
        maxSessionDurationSeconds: role.maxSessionDurationSeconds,
        permissionsBoundaryArn: role.permissionsBoundaryArn ?? null,
        tags: { ...role.tags },
        trustPolicy: canonicalJson(role.trustPolicy),
        claims: [...role.claims],
        grants: role.grants.map((g) => ({ subjects: [...g.subjects], claims: Object.fromEntries(Object.entries(g.claims ?? {}).map(([k, v]) => [k, [...(v ?? [])]])) })),
        managedPolicyArns: [...role.managedPolicyArns],
        inlinePolicies: Object.fromEntries(role.inlinePolicies.map((p) => [p.name, canonicalJsonText(p.json)])),
      })),
  };
}

/** Every stack a config file synthesizes (access.yaml: one per shard; bootstrap.yaml: one per account), with its expectations. */
export function modelStacksOfConfigFile(file: string): ModelStack[] {
  return loadConfigFile(file).stacks.map((s) => modelStack(s.stackId, s.model));
}

/** Whether a trust policy accepts a token, by the evaluator `keyless explain` uses; the provider's audiences are checked first, as STS does. */
export function trustAccepts(policyJson: string, token: { iss: string; aud: string; sub: string; readonly [claim: string]: unknown }, providerAudiences: readonly string[]): boolean {
  return evaluateTrustPolicy(JSON.parse(policyJson) as PolicyDocument, token, { providerAudiences }).allowed;
}

/** A fixed sample of valid access configs (the same for the same seed), for tests too slow to run as properties. */
export function sampleAccessConfigs(count: number, seed: number, options: AccessConfigOptions = {}): AccessConfig[] {
  return fc.sample(validAccessConfig(options), { numRuns: count, seed });
}

/** A fixed sample of valid bootstrap configs. */
export function sampleBootstrapConfigs(count: number, seed: number): BootstrapConfig[] {
  return fc.sample(validBootstrapConfig(), { numRuns: count, seed });
}

/**
 * One token per exact `sub` value of each grant, carrying the further claims that grant requires (the first of
 * each claim's values, `*` made concrete): tokens the role must accept.
 */
export function grantTokens(role: Pick<ModelRole, 'grants'>): { sub: string; claims: Record<string, string> }[] {
  return role.grants.flatMap((g) => {
    const claims = Object.fromEntries(Object.entries(g.claims).map(([k, v]) => [k, (v[0] ?? '').replace(/\*/g, 'x1')]));
    return g.subjects.filter((s) => !s.includes('*')).map((sub) => ({ sub, claims }));
  });
}
