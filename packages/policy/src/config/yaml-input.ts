/**
 * Reading a config's YAML text into plain data, bounded: duplicate keys and custom tags are errors, and what the
 * document expands to through aliases, how deep it nests and which keys it uses are checked before anything
 * copies it.
 */
import { YAMLException, load } from 'js-yaml';
import { ConfigError, describeValue, formatPath } from './problems.js';

/** Bounds on what a config may expand to, so that a hostile file cannot exhaust memory or the stack. */
export const INPUT_LIMITS = {
  /** Nesting depth, counted through YAML aliases. A config nests about a dozen levels deep. */
  maxDepth: 64,
  /**
   * Values the document may expand to through YAML aliases: this many, or the length of the text when that is
   * larger. A document without aliases has fewer values than characters, so only alias expansion reaches it.
   */
  minNodeBudget: 1_000_000,
  /** Aliases (`*name`) per document. */
  maxAliases: 100_000,
} as const;

/** Keys that a JavaScript object cannot hold as plain data: `__proto__` would be dropped without a word. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks loaded data before anything copies it: the expanded size and depth (a YAML alias bomb is a few
 * hundred bytes that expand to billions of values), keys JavaScript treats specially, and text that cdktf
 * would read as one of its tokens. Returns one line per problem, naming the config path.
 */
export function inputProblems(input: unknown, maxNodes: number = INPUT_LIMITS.minNodeBudget): string[] {
  const problems: string[] = [];
  const path: PropertyKey[] = [];
  let nodes = 0;
  const tokenRule = '"TfToken[" is how cdktf marks its own references, so it would not be read as text; no config value contains it';
  const visit = (value: unknown, depth: number): boolean => {
    if (++nodes > maxNodes) {
      problems.push(`${formatPath(path)}: the document expands to more than ${maxNodes} values through YAML aliases; write the repeated parts out or use fewer aliases`);
      return false;
    }
    if (typeof value === 'string') {
      if (value.includes('TfToken[')) problems.push(`${formatPath(path)}: ${describeValue(value)}: ${tokenRule}`);
      return true;
    }
    if (value === null || typeof value !== 'object') return true;
    if (depth >= INPUT_LIMITS.maxDepth) {
      problems.push(`${formatPath(path)}: nests deeper than ${INPUT_LIMITS.maxDepth} levels (counting YAML aliases); a config nests about a dozen`);
      return false;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const ok = visit(value[i], depth + 1);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
    for (const key of Object.keys(value)) {
      path.push(key);
      if (RESERVED_KEYS.has(key))
        problems.push(`${formatPath(path)}: the key "${key}" is reserved in JavaScript and cannot be a name here (it would be dropped or misread); rename it`);
      else if (key.includes('TfToken[')) problems.push(`${formatPath(path)}: the key ${describeValue(key)}: ${tokenRule}`);
      const ok = visit((value as Record<string, unknown>)[key], depth + 1);
      path.pop();
      if (!ok) return false;
    }
    return true;
  };
  visit(input, 0);
  return problems;
}

/**
 * Parses YAML text into plain data. Duplicate keys are errors, and so is anything but plain data (no custom
 * tags). js-yaml keeps a 10,000-repository config to a fraction of a second. Aliases are shared, not copied,
 * while loading; `inputProblems` then bounds what they expand to before anything copies the data.
 */
export function loadYaml(text: string, source: string): unknown {
  let data: unknown;
  try {
    data = load(text, { filename: source, json: false, maxDepth: INPUT_LIMITS.maxDepth, maxAliases: INPUT_LIMITS.maxAliases });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? `line ${error.mark.line + 1}, column ${error.mark.column + 1}` : 'the file';
      const text = `${where}: ${error.reason}`;
      throw new ConfigError(source, [error.mark ? { path: [], rule: error.reason, text, line: error.mark.line + 1, column: error.mark.column + 1 } : text]);
    }
    throw new ConfigError(source, [`the file: cannot be read as YAML (${(error as Error).message})`]);
  }
  const unsafe = inputProblems(data, Math.max(INPUT_LIMITS.minNodeBudget, text.length));
  if (unsafe.length > 0) throw new ConfigError(source, unsafe);
  return data;
}
