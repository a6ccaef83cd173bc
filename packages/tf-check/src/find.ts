/**
 * Locating a usable `terraform` binary and an offline provider mirror that
 * holds registry.terraform.io/hashicorp/aws.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

export interface TerraformEnvironment {
  /** Absolute path (or PATH-resolved path) of the terraform executable. */
  terraformBin: string;
  /** Mirror root: the directory that contains `registry.terraform.io/`. */
  pluginDir: string;
  /** Terraform CLI version, e.g. "1.11.4". */
  version: string;
  /** hashicorp/aws version found in the mirror for this platform, e.g. "5.100.0". */
  awsProviderVersion: string;
  /** Terraform platform string, e.g. "linux_amd64". */
  platform: string;
}

export type FindTerraformResult = { ok: true; env: TerraformEnvironment } | { ok: false; reason: string };

const AWS_PROVIDER_SUBDIR = join('registry.terraform.io', 'hashicorp', 'aws');
const DEFAULT_PLUGIN_DIR = '/opt/tf-plugins';
const MIN_TERRAFORM = [1, 0, 0] as const;

/** Terraform's name for the current OS/arch, e.g. linux_amd64, darwin_arm64. */
export function terraformPlatform(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const archMap: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return `${os}_${archMap[process.arch] ?? process.arch}`;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (process.platform !== 'win32') accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function exeNames(): string[] {
  return process.platform === 'win32' ? ['terraform.exe', 'terraform'] : ['terraform'];
}

function searchPath(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of exeNames()) {
      const p = join(dir, name);
      if (isExecutableFile(p)) return p;
    }
  }
  return undefined;
}

function commonTerraformLocations(): string[] {
  const home = homedir();
  const dirs = [
    '/usr/local/bin',
    '/usr/bin',
    '/opt/homebrew/bin',
    '/opt/terraform',
    '/opt/terraform/bin',
    '/snap/bin',
    join(home, '.local', 'bin'),
    join(home, 'bin'),
    join(home, '.tfenv', 'bin'),
    join(home, '.tenv', 'bin'),
  ];
  return dirs.flatMap((d) => exeNames().map((n) => join(d, n)));
}

function commonPluginDirs(): string[] {
  const home = homedir();
  const dirs = [
    DEFAULT_PLUGIN_DIR,
    join(home, '.terraform.d', 'plugins'),
    join(home, '.local', 'share', 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
  if (process.env['XDG_DATA_HOME']) dirs.push(join(process.env['XDG_DATA_HOME'], 'terraform', 'plugins'));
  if (process.env['APPDATA']) dirs.push(join(process.env['APPDATA'], 'terraform.d', 'plugins'));
  // A plugin cache directory has the same (unpacked) layout as a filesystem mirror.
  if (process.env['TF_PLUGIN_CACHE_DIR']) dirs.push(process.env['TF_PLUGIN_CACHE_DIR']);
  return [...new Set(dirs)];
}

type Semver = [number, number, number, string];

function parseVersion(v: string): Semver | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ''];
}

function compareVersions(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  // A release sorts above its prereleases.
  if (a[3] === b[3]) return 0;
  if (a[3] === '') return 1;
  if (b[3] === '') return -1;
  return a[3] < b[3] ? -1 : 1;
}

/**
 * Versions of hashicorp/aws available in a mirror root for `platform`, highest
 * first. Understands both mirror layouts terraform supports:
 *  - unpacked: registry.terraform.io/hashicorp/aws/<version>/<platform>/terraform-provider-aws_v<version>*
 *  - packed:   registry.terraform.io/hashicorp/aws/terraform-provider-aws_<version>_<platform>.zip
 */
export function mirrorAwsVersions(mirrorRoot: string, platform = terraformPlatform()): {
  versions: string[];
  otherPlatforms: string[];
} {
  const dir = join(mirrorRoot, AWS_PROVIDER_SUBDIR);
  const found = new Set<string>();
  const otherPlatforms = new Set<string>();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return { versions: [], otherPlatforms: [] };
  }
  for (const entry of entries) {
    const full = join(dir, entry);
    const packed = /^terraform-provider-aws_(.+)_([a-z0-9]+_[a-z0-9]+)\.zip$/.exec(entry);
    if (packed) {
      if (packed[2] === platform) found.add(packed[1] as string);
      else otherPlatforms.add(`${packed[1]}/${packed[2]}`);
      continue;
    }
    if (!parseVersion(entry)) continue;
    let platforms: string[] = [];
    try {
      platforms = readdirSync(full).filter((p) => statSync(join(full, p)).isDirectory());
    } catch {
      continue;
    }
    for (const p of platforms) {
      if (p !== platform) {
        otherPlatforms.add(`${entry}/${p}`);
        continue;
      }
      const bins = readdirSync(join(full, p)).filter((f) => f.startsWith('terraform-provider-aws'));
      if (bins.length > 0) found.add(entry);
    }
  }
  const versions = [...found]
    .map((v) => [v, parseVersion(v)] as const)
    .filter((x): x is readonly [string, Semver] => x[1] !== undefined)
    .sort((a, b) => compareVersions(b[1], a[1]))
    .map((x) => x[0]);
  return { versions, otherPlatforms: [...otherPlatforms].sort() };
}

function terraformVersion(bin: string): { ok: true; version: string } | { ok: false; reason: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  // A dangling TF_CLI_CONFIG_FILE only produces a warning, but keep the probe quiet and independent.
  delete env['TF_CLI_CONFIG_FILE'];
  delete env['TERRAFORM_CONFIG'];
  const r = spawnSync(bin, ['version', '-json'], { encoding: 'utf8', env, timeout: 30_000 });
  if (r.error) return { ok: false, reason: `could not run \`${bin} version -json\`: ${r.error.message}` };
  if (r.status !== 0) {
    return { ok: false, reason: `\`${bin} version -json\` exited with ${r.status}: ${(r.stderr || r.stdout).trim()}` };
  }
  let version: string | undefined;
  try {
    version = (JSON.parse(r.stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    version = /Terraform v(\S+)/.exec(r.stdout)?.[1];
  }
  if (!version) return { ok: false, reason: `could not parse the output of \`${bin} version -json\`: ${r.stdout.trim()}` };
  const parsed = parseVersion(version);
  if (!parsed || compareVersions(parsed, [...MIN_TERRAFORM, '']) < 0) {
    return { ok: false, reason: `${bin} is Terraform ${version}; tf-check needs Terraform >= ${MIN_TERRAFORM.join('.')}` };
  }
  return { ok: true, version };
}

function findBin(): { ok: true; bin: string } | { ok: false; reason: string } {
  const configured = process.env['KEYLESS_TERRAFORM_BIN'];
  if (configured) {
    // An explicit setting that does not work is an error, never silently replaced by another binary.
    const p = isAbsolute(configured) || configured.includes('/') || configured.includes('\\') ? resolve(configured) : undefined;
    if (p) {
      if (!existsSync(p)) return { ok: false, reason: `KEYLESS_TERRAFORM_BIN=${configured}: file does not exist` };
      if (!isExecutableFile(p)) return { ok: false, reason: `KEYLESS_TERRAFORM_BIN=${configured}: not an executable file` };
      return { ok: true, bin: p };
    }
    // A bare command name: resolve it on PATH.
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
      if (dir && isExecutableFile(join(dir, configured))) return { ok: true, bin: join(dir, configured) };
    }
    return { ok: false, reason: `KEYLESS_TERRAFORM_BIN=${configured}: no such executable on PATH` };
  }
  const onPath = searchPath();
  if (onPath) return { ok: true, bin: onPath };
  const candidates = commonTerraformLocations();
  const found = candidates.find(isExecutableFile);
  if (found) return { ok: true, bin: found };
  return {
    ok: false,
    reason:
      'terraform not found: KEYLESS_TERRAFORM_BIN is not set, there is no `terraform` executable on PATH ' +
      `(${process.env['PATH'] ?? ''}), and none at ${candidates.join(', ')}. ` +
      'Install Terraform >= 1.0 or set KEYLESS_TERRAFORM_BIN to its path.',
  };
}

function describeMirrorProblem(dir: string, platform: string): string {
  if (!existsSync(dir)) return `${dir} does not exist`;
  const { otherPlatforms } = mirrorAwsVersions(dir, platform);
  if (otherPlatforms.length > 0) {
    return `${dir} has hashicorp/aws only for other platforms (${otherPlatforms.join(', ')}), not ${platform}`;
  }
  if (!existsSync(join(dir, AWS_PROVIDER_SUBDIR))) {
    const name = basename(dir);
    if (name === 'registry.terraform.io') return `${dir} is the registry directory itself; point at its parent ${dirname(dir)}`;
    if (name === 'aws' && basename(dirname(dir)) === 'hashicorp') {
      return `${dir} is the provider directory itself; point at the mirror root ${dirname(dirname(dirname(dir)))}`;
    }
    return `${dir} has no ${AWS_PROVIDER_SUBDIR}${'/'}<version>/${platform}/ directory`;
  }
  return `${join(dir, AWS_PROVIDER_SUBDIR)} holds no terraform-provider-aws binary for ${platform}`;
}

function findMirror(platform: string): { ok: true; dir: string; version: string } | { ok: false; reason: string } {
  const configured = process.env['KEYLESS_TF_PLUGIN_DIR'];
  if (configured) {
    const dir = resolve(configured);
    const v = mirrorAwsVersions(dir, platform).versions[0];
    if (v) return { ok: true, dir, version: v };
    return { ok: false, reason: `KEYLESS_TF_PLUGIN_DIR=${configured} is not a usable provider mirror: ${describeMirrorProblem(dir, platform)}` };
  }
  const candidates = commonPluginDirs();
  for (const dir of candidates) {
    const v = mirrorAwsVersions(dir, platform).versions[0];
    if (v) return { ok: true, dir, version: v };
  }
  return {
    ok: false,
    reason:
      `no offline mirror of the hashicorp/aws provider for ${platform}: KEYLESS_TF_PLUGIN_DIR is not set and ` +
      candidates.map((d) => describeMirrorProblem(d, platform)).join('; ') +
      '. Create one with `terraform providers mirror <dir>` (on a machine with network) and set KEYLESS_TF_PLUGIN_DIR=<dir>.',
  };
}

const cache = new Map<string, FindTerraformResult>();

/**
 * Finds terraform and the hashicorp/aws provider mirror.
 *
 * - terraform: `KEYLESS_TERRAFORM_BIN` (path or command name) if set; else `terraform` on PATH; else a few
 *   common install locations. It must run `terraform version -json` and be >= 1.0.
 * - mirror: `KEYLESS_TF_PLUGIN_DIR` (the mirror root, i.e. the directory that contains
 *   `registry.terraform.io/`) if set; else /opt/tf-plugins; else ~/.terraform.d/plugins,
 *   ~/.local/share/terraform/plugins, /usr/{local/,}share/terraform/plugins, $TF_PLUGIN_CACHE_DIR.
 *
 * An explicitly configured location that does not work is reported, never silently replaced.
 * The result is memoized per (PATH, KEYLESS_TERRAFORM_BIN, KEYLESS_TF_PLUGIN_DIR).
 */
export function findTerraform(): FindTerraformResult {
  const key = JSON.stringify([
    process.env['PATH'],
    process.env['KEYLESS_TERRAFORM_BIN'],
    process.env['KEYLESS_TF_PLUGIN_DIR'],
    process.env['TF_PLUGIN_CACHE_DIR'],
  ]);
  const hit = cache.get(key);
  if (hit) return hit;
  const result = findUncached();
  cache.set(key, result);
  return result;
}

function findUncached(): FindTerraformResult {
  const bin = findBin();
  if (!bin.ok) return bin;
  const version = terraformVersion(bin.bin);
  if (!version.ok) return version;
  const platform = terraformPlatform();
  const mirror = findMirror(platform);
  if (!mirror.ok) return mirror;
  return {
    ok: true,
    env: {
      terraformBin: bin.bin,
      pluginDir: mirror.dir,
      version: version.version,
      awsProviderVersion: mirror.version,
      platform,
    },
  };
}

function envFlag(name: string): boolean {
  const v = process.env[name];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Shared "skip or fail" policy for tests that need terraform:
 *
 * - terraform + mirror found: `{ available: true }`.
 * - missing, and terraform is required: throws (so the test file fails loudly). Required means
 *   `CI` is set (to anything but '', '0', 'false') and `KEYLESS_REQUIRE_TERRAFORM` is not '0',
 *   or `KEYLESS_REQUIRE_TERRAFORM` is set to a true value ('1', 'true', ...) anywhere.
 * - missing otherwise: prints the reason with console.warn and returns `{ available: false, reason }`;
 *   use it as `it.skipIf(!tf.available)(...)`.
 */
export function terraformOrSkip(): { available: boolean; reason: string } {
  const found = findTerraform();
  if (found.ok) {
    const e = found.env;
    return {
      available: true,
      reason: `terraform ${e.version} at ${e.terraformBin}, hashicorp/aws ${e.awsProviderVersion} from ${e.pluginDir}`,
    };
  }
  const requireSetting = process.env['KEYLESS_REQUIRE_TERRAFORM'];
  const required = (envFlag('CI') && requireSetting !== '0') || envFlag('KEYLESS_REQUIRE_TERRAFORM');
  if (required) {
    throw new Error(
      `terraform is required here (CI=${process.env['CI'] ?? ''}, KEYLESS_REQUIRE_TERRAFORM=${requireSetting ?? ''}; ` +
        `set KEYLESS_REQUIRE_TERRAFORM=0 to allow skipping): ${found.reason}`,
    );
  }
  console.warn(`[tf-check] skipping terraform checks: ${found.reason}`);
  return { available: false, reason: found.reason };
}
