import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapAccounts, buildAccessModel, parseAccessConfig, parseBootstrapConfigYaml } from '@keyless/policy';
import { octoOrg, readTree } from '@keyless/testkit';
import fc from 'fast-check';
import stringify from 'json-stable-stringify';
import { describe, expect, it } from 'vitest';
import { App } from 'cdktf';
import { logicalId } from '../src/printer/logical-id.js';
import { loadAccessModel, renderBootstrapStack, renderKeylessStack, stableJson, writeSynthesized } from '../src/fast.js';
import { KeylessStack, runApp, runBootstrapApp } from '../src/index.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'keyless-fast-'));
// The octo-org fixture configs (packages/testkit/fixtures); the app tests run the same check on apps/*.
const appFile = (rel: string): string => join(octoOrg.root, 'apps', rel);

describe('fast synthesizer', () => {
  it.each(['dev', 'prod'])('writes the same bytes as cdktf for the octo-org %s fixture', (app) => {
    const reference = temp();
    runApp({ configFile: appFile(`${app}/access.yaml`), outdir: reference });
    const fast = temp();
    const model = loadAccessModel(appFile(`${app}/access.yaml`));
    writeSynthesized(fast, [{ id: app, json: renderKeylessStack(app, model) }]);
    expect(readTree(fast)).toEqual(readTree(reference));
  });

  it('writes the same bytes as cdktf for the octo-org bootstrap fixture', () => {
    const reference = temp();
    runBootstrapApp({ configFile: appFile('bootstrap/bootstrap.yaml'), outdir: reference });
    const config = parseBootstrapConfigYaml(readFileSync(appFile('bootstrap/bootstrap.yaml'), 'utf8'));
    const fast = temp();
    writeSynthesized(
      fast,
      bootstrapAccounts(config).map((account) => ({
        id: `bootstrap-${account.key}`,
        json: renderBootstrapStack(`bootstrap-${account.key}`, buildAccessModel(account.access), account, config.infraRepository.name),
      })),
    );
    expect(readTree(fast)).toEqual(readTree(reference));
  });

  it('renders the same JSON as the constructs for generated configs', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/).filter((s) => !s.includes('--'));
    const role = fc.record({
      trust: fc.oneof(
        fc.record({ branches: fc.uniqueArray(fc.constantFrom('main', 'release/1.0', 'develop'), { minLength: 1 }) }),
        // dev is never protected below, so the any-branch opt-in the role then needs always has an effect.
        fc.record({ environments: fc.uniqueArray(fc.constantFrom('dev', 'production', 'prod:v1'), { minLength: 1 }).map((e) => (e.includes('dev') ? e : ['dev', ...e])) }),
        fc.record({ tagPatterns: fc.constant(['v*']), tags: fc.constant(['v1.0.0']) }),
      ),
      managedPolicyArns: fc.uniqueArray(fc.constantFrom('arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::111111111111:policy/team/deploy'), { maxLength: 2 }),
      maxSessionDurationSeconds: fc.constantFrom(3600, 7200),
    }).map((r) => ('environments' in r.trust ? { ...r, dangerouslyAllowAnyBranch: true } : r));
    const repo = fc.record({
      roles: fc.dictionary(fc.constantFrom('deploy', 'release', 'ops'), role, { minKeys: 1, maxKeys: 1 }),
      environments: fc.constantFrom(undefined, { production: { reviewers: { teams: [1, 2] }, deploymentBranches: ['main', 'release/*'] } }, { dev: {} }),
    }, { requiredKeys: ['roles'] });
    fc.assert(
      fc.property(fc.dictionary(name, repo, { minKeys: 1, maxKeys: 4 }), fc.boolean(), (repositories, create) => {
        const model = buildAccessModel(
          parseAccessConfig({
            environment: 'gen',
            aws: { accountId: '111111111111', region: 'ap-northeast-2', ...(create ? {} : { oidcProvider: { existingArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' } }) },
            github: { owner: 'octo-org' },
            repositories: JSON.parse(JSON.stringify(repositories)),
          }),
        );
        const app = new App({ outdir: temp() });
        const stack = new KeylessStack(app, 'gen', { model });
        const reference = JSON.parse(JSON.stringify(stack.toTerraform()));
        expect(stableJson(renderKeylessStack('gen', model))).toBe(stringify(reference, { space: 2 }));
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('computes logical ids as cdktf does', () => {
    expect(logicalId(['repo-web', 'role-deploy', 'role'])).toMatch(/^repo-web_role-deploy_role_[0-9A-F]{8}$/);
    expect(logicalId(['repo-web', 'subject-template', 'template'])).toMatch(/^repo-web_subject-template_[0-9A-F]{8}$/);
    expect(logicalId(['single'])).toBe('single');
  });

  it('formats JSON exactly as json-stable-stringify does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!JSON.stringify(value).includes('\\u0000'));
        expect(stableJson(value)).toBe(stringify(value, { space: 2 }));
      }),
      { numRuns: 1000 },
    );
  });
});
