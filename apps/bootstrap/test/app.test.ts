import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBootstrapApp } from '@keyless/constructs';
import { synthFast } from '@keyless/constructs/fast';
import { bootstrapAccounts, buildAccessModel, evaluateTrustPolicy, parseBootstrapConfigYaml } from '@keyless/policy';
import { defineAppSuite } from '@keyless/tf-check/app-suite';

// Every expectation comes from this app's own bootstrap.yaml (one stack per account, with its roles,
// state bucket and variables), so the suite holds for any organisation's config, not only the example's.
const configFile = fileURLToPath(new URL('../bootstrap.yaml', import.meta.url));
const config = parseBootstrapConfigYaml(readFileSync(configFile, 'utf8'), configFile);

defineAppSuite({
  name: 'bootstrap',
  configFile,
  synth: (file, outdir) => {
    if (!runBootstrapApp({ configFile: file, outdir })) throw new Error(`${file} did not synthesize`);
  },
  fastSynth: (file, outdir) => {
    synthFast({ configFile: file, outdir });
  },
  stacks: bootstrapAccounts(config).map((account) => ({
    stackId: `bootstrap-${account.key}`,
    model: buildAccessModel(account.access),
    stateBucket: account.stateBucket,
  })),
  evaluate: (policy, claims) => evaluateTrustPolicy(policy, claims).allowed,
});
