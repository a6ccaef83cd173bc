/** The versions cdktf writes; the equivalence tests fail when the installed packages disagree. */
export const CDKTF_VERSION = '0.21.0';

/** `required_providers` of each provider a blueprint names: the versions of the installed provider packages. */
export const REQUIRED_PROVIDERS = {
  aws: { source: 'aws', version: '5.100.0' },
  github: { source: 'integrations/github', version: '6.9.0' },
} as const;
