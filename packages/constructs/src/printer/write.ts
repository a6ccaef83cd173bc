import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableJson } from './stable-json.js';
import { CDKTF_VERSION } from './versions.js';

/** Writes stacks the way `App.synth()` lays them out: `manifest.json` and `stacks/<id>/cdk.tf.json`. */
export function writeSynthesized(outdir: string, stacks: readonly { readonly id: string; readonly json: object }[]): void {
  const manifest = {
    stacks: Object.fromEntries(
      stacks.map((s) => [
        s.id,
        {
          annotations: [],
          constructPath: s.id,
          dependencies: [],
          name: s.id,
          stackMetadataPath: `stacks/${s.id}/metadata.json`,
          synthesizedStackPath: `stacks/${s.id}/cdk.tf.json`,
          workingDirectory: `stacks/${s.id}`,
        },
      ]),
    ),
    version: CDKTF_VERSION,
  };
  mkdirSync(outdir, { recursive: true });
  for (const s of stacks) {
    mkdirSync(join(outdir, 'stacks', s.id), { recursive: true });
    writeFileSync(join(outdir, 'stacks', s.id, 'cdk.tf.json'), stableJson(s.json));
  }
  writeFileSync(join(outdir, 'manifest.json'), stableJson(manifest));
}
