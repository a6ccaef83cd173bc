import { TerraformOutput } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { GithubOidcProvider } from '../src/index.js';
import type { GithubOidcProviderOptions, GithubOidcProviderProps, IGithubOidcProvider } from '../src/index.js';
import { onlyResource, resourcesOf, synthScope } from './helpers.js';

const PROVIDER = 'aws_iam_openid_connect_provider';

function synthProvider(props: GithubOidcProviderProps = {}) {
  let provider: GithubOidcProvider | undefined;
  const synth = synthScope((scope) => {
    provider = new GithubOidcProvider(scope, 'github-oidc', props);
  });
  return { synth, provider: provider as GithubOidcProvider };
}

function importProvider(arn: string, options: GithubOidcProviderOptions = {}) {
  let provider: IGithubOidcProvider | undefined;
  const synth = synthScope((scope) => {
    provider = GithubOidcProvider.fromProviderArn(scope, 'github-oidc', arn, options);
  });
  return { synth, provider: provider as IGithubOidcProvider };
}

describe('GithubOidcProvider', () => {
  it('creates the github.com provider with only the sts.amazonaws.com audience and no thumbprint', () => {
    const { synth } = synthProvider();
    const provider = onlyResource(synth, PROVIDER);
    expect(provider).toEqual({
      url: 'https://token.actions.githubusercontent.com',
      client_id_list: ['sts.amazonaws.com'],
    });
    expect(provider).not.toHaveProperty('thumbprint_list');
  });

  it('exposes the created provider ARN as a reference to the resource', () => {
    const synth = synthScope((scope) => {
      const provider = new GithubOidcProvider(scope, 'github-oidc');
      new TerraformOutput(scope, 'arn', { value: provider.oidcProviderArn });
    });
    const [key] = Object.keys(resourcesOf(synth, PROVIDER));
    expect(synth.output?.['arn']?.['value']).toBe(`\${aws_iam_openid_connect_provider.${key}.arn}`);
  });

  it('uses the enterprise slug in the issuer URL and the condition-key prefix', () => {
    const { synth, provider } = synthProvider({ issuer: { kind: 'enterprise-slug', slug: 'octo-enterprise' } });
    expect(onlyResource(synth, PROVIDER)['url']).toBe('https://token.actions.githubusercontent.com/octo-enterprise');
    expect(provider.issuer.conditionKeyPrefix).toBe('token.actions.githubusercontent.com/octo-enterprise');
  });

  it('uses the _services/token URL of a GitHub Enterprise Server', () => {
    const { synth, provider } = synthProvider({ issuer: { kind: 'ghes', host: 'github.example.com' } });
    expect(onlyResource(synth, PROVIDER)['url']).toBe('https://github.example.com/_services/token');
    expect(provider.issuer.conditionKeyPrefix).toBe('github.example.com/_services/token');
  });

  it('uses the token.actions.<subdomain>.ghe.com URL for GHE.com data residency', () => {
    const { synth } = synthProvider({ issuer: { kind: 'ghe.com', subdomain: 'octo' } });
    expect(onlyResource(synth, PROVIDER)['url']).toBe('https://token.actions.octo.ghe.com');
  });

  it('lists exactly the configured audiences, once each, in sorted order', () => {
    const { synth } = synthProvider({ audiences: ['sts.amazonaws.com.cn', 'sts.amazonaws.com', 'sts.amazonaws.com.cn'] });
    expect(onlyResource(synth, PROVIDER)['client_id_list']).toEqual(['sts.amazonaws.com', 'sts.amazonaws.com.cn']);
  });

  it('tags a created provider', () => {
    const { synth } = synthProvider({ tags: { team: 'platform' } });
    expect(onlyResource(synth, PROVIDER)['tags']).toEqual({ team: 'platform' });
  });

  it('imports an existing provider by its ARN, creating no resource', () => {
    const arn = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
    const { synth, provider } = importProvider(arn);
    expect(resourcesOf(synth, PROVIDER)).toEqual({});
    expect(provider.oidcProviderArn).toBe(arn);
    expect(provider).not.toBeInstanceOf(GithubOidcProvider);
  });

  it('imports an existing enterprise provider whose ARN carries the slug, with its issuer and audiences', () => {
    const arn = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com/octo-enterprise';
    const { provider } = importProvider(arn, { issuer: { kind: 'enterprise-slug', slug: 'octo-enterprise' }, audiences: ['b', 'a'] });
    expect(provider.oidcProviderArn).toBe(arn);
    expect(provider.issuer.conditionKeyPrefix).toBe('token.actions.githubusercontent.com/octo-enterprise');
    expect(provider.audiences).toEqual(['a', 'b']);
  });

  it('keeps the deprecated arn attribute equal to oidcProviderArn', () => {
    const { provider } = synthProvider();
    expect(provider.arn).toBe(provider.oidcProviderArn);
  });

  it('predicts the ARN of a created provider from partition and account', () => {
    const { provider } = synthProvider();
    expect(provider.predictedArn('aws-us-gov', '123456789012')).toBe(
      'arn:aws-us-gov:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    );
  });

  it('fails when the existing ARN is for another issuer', () => {
    expect(() =>
      importProvider('arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', { issuer: { kind: 'enterprise-slug', slug: 'octo-enterprise' } }),
    ).toThrow(
      'providerArn: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" is not the ARN of a provider for https://token.actions.githubusercontent.com/octo-enterprise',
    );
  });

  it('fails when the existing ARN is the global provider but the issuer is a GHES host', () => {
    expect(() =>
      importProvider('arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', { issuer: { kind: 'ghes', host: 'github.example.com' } }),
    ).toThrow(/is not the ARN of a provider for https:\/\/github\.example\.com\/_services\/token; expected arn:PARTITION:iam::ACCOUNT:oidc-provider\/github\.example\.com\/_services\/token/);
  });

  it('fails when the existing ARN is not an OIDC provider ARN', () => {
    expect(() => importProvider('arn:aws:iam::111111111111:role/token.actions.githubusercontent.com')).toThrow(
      /^stack\/github-oidc: providerArn: "arn:aws:iam::111111111111:role\/token\.actions\.githubusercontent\.com" is not the ARN of a provider/,
    );
  });

  it('fails when the existing ARN names an unknown partition', () => {
    expect(() =>
      importProvider('arn:aws-mars:iam::111111111111:oidc-provider/token.actions.githubusercontent.com'),
    ).toThrow(/^stack\/github-oidc: providerArn: "arn:aws-mars:.*": the AWS partition is one of aws, aws-cn/);
  });

  it('fails when an audience has a wildcard', () => {
    expect(() => synthProvider({ audiences: ['sts.*'] })).toThrow('audiences: "sts.*": an audience is an exact value without wildcards or spaces, such as sts.amazonaws.com');
  });

  it('fails when an audience is empty', () => {
    expect(() => synthProvider({ audiences: [''] })).toThrow('audiences: "": an audience has 1 to 255 characters');
  });

  it('fails when an audience holds a space', () => {
    expect(() => synthProvider({ audiences: ['sts amazonaws.com'] })).toThrow('audiences: "sts amazonaws.com": an audience is an exact value without wildcards or spaces');
  });

  it('fails when the audience list is empty', () => {
    expect(() => synthProvider({ audiences: [] })).toThrow('audiences: at least one audience is required');
  });

  it('fails when the enterprise slug is not valid', () => {
    expect(() => synthProvider({ issuer: { kind: 'enterprise-slug', slug: 'Octo_Enterprise' } })).toThrow(
      'enterprise slug "Octo_Enterprise" is not valid',
    );
  });
});
