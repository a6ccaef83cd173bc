/**
 * Stack-level precision for the plan matrix: when the only change to an app is its config file, the stacks
 * whose Terraform JSON is byte-identical before and after plan nothing new, so they are left out. With
 * sharding, a change to one repository then plans only the stack that holds it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { synthFast } from '@keyless/constructs/fast';

const CONFIG_FILES = ['access.yaml', 'bootstrap.yaml'];

/**
 * The app's config file when it is the only reason the app is affected (the app's code, shared packages and
 * root files unchanged); undefined otherwise, when every stack must be planned.
 */
export function configOnlyChange(app: string, reasons: readonly string[]): string | undefined {
  const configs = CONFIG_FILES.map((f) => `apps/${app}/${f}`);
  if (reasons.length !== 1) return undefined;
  const [only] = reasons;
  return only !== undefined && configs.includes(only) ? only : undefined;
}

/**
 * The stacks of the app whose synthesized JSON is the same for the base version of its config as for the
 * head (already synthesized under `apps/<app>/cdktf.out`). The base config is synthesized with the head's
 * code, which the caller has established is unchanged for this app.
 */
export function unchangedStacks(root: string, configFile: string, baseConfigText: string, headOutdir: string): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-base-'));
  try {
    const file = join(dir, basename(configFile));
    writeFileSync(file, baseConfigText);
    const base = synthFast({ configFile: file, outdir: join(dir, 'out') });
    const same = new Set<string>();
    for (const stack of base.stacks) {
      const head = join(root, headOutdir, 'stacks', stack, 'cdk.tf.json');
      if (!existsSync(head)) continue;
      if (readFileSync(head, 'utf8') === readFileSync(join(dir, 'out', 'stacks', stack, 'cdk.tf.json'), 'utf8')) same.add(stack);
    }
    return same;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
