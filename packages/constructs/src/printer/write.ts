import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stableJson, stableJsonParts } from './stable-json.js';
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
    writeParts(join(outdir, 'stacks', s.id, 'cdk.tf.json'), stableJsonParts(s.json));
  }
  writeFileSync(join(outdir, 'manifest.json'), stableJson(manifest));
}

/** Writes the text in pieces, without joining them into one more string of the stack's size. */
function writeParts(file: string, parts: readonly string[]): void {
  if (parts.length === 1) {
    writeFileSync(file, parts[0] as string);
    return;
  }
  const fd = openSync(file, 'w');
  try {
    for (const part of parts) {
      const bytes = Buffer.from(part, 'utf8');
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    }
  } finally {
    closeSync(fd);
  }
}
