import { fileURLToPath } from 'node:url';
import { loadAccessModel, runApp } from '@keyless/constructs';
import { synthFast } from '@keyless/constructs/fast';
import { evaluateTrustPolicy, splitModel } from '@keyless/policy';
import { defineAppSuite } from '@keyless/tf-check/app-suite';

// Every expectation comes from this app's own access.yaml (the stacks, roles, policies, environments and
// variables it declares), so the suite holds for any organisation's config, not only the example's.
const configFile = fileURLToPath(new URL('../access.yaml', import.meta.url));

defineAppSuite({
  name: 'dev',
  configFile,
  synth: (file, outdir) => {
    if (!runApp({ configFile: file, outdir })) throw new Error(`${file} did not synthesize`);
  },
  fastSynth: (file, outdir) => {
    synthFast({ configFile: file, outdir });
  },
  stacks: splitModel(loadAccessModel(configFile)),
  evaluate: (policy, claims) => evaluateTrustPolicy(policy, claims).allowed,
});
