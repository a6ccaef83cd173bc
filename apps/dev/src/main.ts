// The app's entry: `pnpm synth`, this app's `synth` script and `cdktf synth` (cdktf.json) run it. synthApp writes
// the same Terraform JSON as runApp's construct tree without loading cdktf; compose the constructs yourself
// (runApp, or KeylessStack in an App of your own) when a stack needs more than the config describes.
import { synthApp } from '@keyless/constructs/fast';

synthApp({ configFile: new URL('../access.yaml', import.meta.url) });
