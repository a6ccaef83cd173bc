import { fileURLToPath } from 'node:url';
import { runApp } from '@keyless/constructs';
import { defineAppSuite } from '@keyless/tf-check/app-suite';

defineAppSuite({
  name: 'prod',
  configFile: fileURLToPath(new URL('../access.yaml', import.meta.url)),
  synth: (configFile, outdir) => {
    if (!runApp({ configFile, outdir })) throw new Error(`${configFile} did not synthesize`);
  },
  stacks: ['prod'],
});
