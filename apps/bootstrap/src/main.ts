// The app's entry: `pnpm synth`, this app's `synth` script and `cdktf synth` (cdktf.json) run it. synthApp writes
// the same Terraform JSON as runBootstrapApp's construct tree without loading cdktf: one bootstrap-<account>
// stack per account of the config.
import { synthApp } from '@keyless/constructs/fast';

synthApp({ configFile: new URL('../bootstrap.yaml', import.meta.url) });
