import { fileURLToPath } from 'node:url';
import { runBootstrapApp } from '@keyless/constructs';
import { defineAppSuite } from '@keyless/tf-check/app-suite';

defineAppSuite({
  name: 'bootstrap',
  configFile: fileURLToPath(new URL('../bootstrap.yaml', import.meta.url)),
  synth: (configFile, outdir) => {
    if (!runBootstrapApp({ configFile, outdir })) throw new Error(`${configFile} did not synthesize`);
  },
  stacks: ['bootstrap-dev', 'bootstrap-prod'],
});
