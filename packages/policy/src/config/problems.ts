/**
 * The problems of a config and how they read: a problem's config path, value and rule (ConfigProblem), the
 * ConfigError that lists them (as `file:line:column: path: value: rule` once located), config paths written and
 * read back, and zod's issues in those words.
 */
import type { z } from 'zod';
import { unknownKeyHint } from './locate.js';

/**
 * One problem of a config: where (the config path, and the line and column once the file's text is at hand), the
 * value found there, and the rule it breaks. `text` is the problem as one line, `path: value: rule`.
 */
export interface ConfigProblem {
  /** The config path, such as `['repositories', 'web', 'roles', 'deploy', 'trust', 'branches', 0]`; empty when none. */
  readonly path: readonly (string | number)[];
  /** The value found at the path (absent when the entry is missing or the problem is not about one value). */
  readonly value?: unknown;
  /** What is allowed, or what is wrong. */
  readonly rule: string;
  /** The whole problem as one line: `repositories.web.roles.deploy.trust.branches[0]: "main*": rule`. */
  readonly text: string;
  /** Point at the entry's key (an unknown or misplaced key) rather than its value. @default - the value of a scalar, else the key */
  readonly at?: 'key' | 'value';
  /** 1-based line and column in the file, when its text was at hand (see locate.ts). */
  readonly line?: number;
  readonly column?: number;
}

/** A problem from its path, value and rule, with the text `path: value: rule`. */
export function configProblem(path: readonly PropertyKey[], value: unknown, rule: string): ConfigProblem {
  return { path: path.map((p) => (typeof p === 'number' ? p : String(p))), value, rule, text: `${formatPath(path)}: ${describeValue(value)}: ${rule}` };
}

/**
 * A problem from its text alone (`path: rest`): the path is read back from the text when it starts with one
 * (formatPath's output), so that it can still be located in the file.
 */
export function problemFromText(text: string): ConfigProblem {
  const parsed = parsePathPrefix(text);
  return parsed ? { path: parsed.path, rule: parsed.rest, text } : { path: [], rule: text, text };
}

/** A config that breaks one or more rules. `problems` holds one line per problem, `issues` the same with their paths. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  readonly issues: readonly ConfigProblem[];
  constructor(
    readonly source: string,
    problems: readonly (string | ConfigProblem)[],
  ) {
    const issues = problems.map((p) => (typeof p === 'string' ? problemFromText(p) : p));
    super(formatConfigError(source, issues));
    this.name = 'ConfigError';
    this.issues = issues;
    this.problems = issues.map((i) => i.text);
  }
}

/**
 * The message of a ConfigError: a heading naming the source, then one line per problem. Once the problems carry
 * lines, each is `source:line:column: text`, the form editors and CI annotations link to the place.
 */
export function formatConfigError(source: string, issues: readonly ConfigProblem[]): string {
  const located = issues.some((i) => i.line !== undefined);
  const lines = issues.map((i) => (located ? `${source}${i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : ''}: ${i.text}` : `  - ${i.text}`));
  return `${source}: invalid access config\n${lines.join('\n')}`;
}

/**
 * Reads a config path back from the start of a problem's text (the inverse of formatPath): plain keys joined by
 * ".", list indexes as `[0]`, other keys as `["a b"]`, followed by ": ". Undefined when the text does not start
 * with a path.
 */
export function parsePathPrefix(text: string): { path: (string | number)[]; rest: string } | undefined {
  if (text.startsWith('(top level): ')) return { path: [], rest: text.slice('(top level): '.length) };
  const path: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i);
      if (/^\[[0-9]+\]/.test(text.slice(i))) {
        path.push(Number(text.slice(i + 1, close)));
        i = close + 1;
      } else if (text[i + 1] === '"') {
        // A JSON string: find its closing quote, skipping escapes.
        let j = i + 2;
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (text[j + 1] !== ']') return undefined;
        try {
          path.push(JSON.parse(text.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        i = j + 2;
      } else return undefined;
    } else {
      if (path.length > 0) {
        if (text[i] !== '.') break;
        i++;
      }
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i));
      if (!m) return undefined;
      path.push(m[0]);
      i += m[0].length;
    }
    if (text.startsWith(': ', i)) return { path, rest: text.slice(i + 2) };
  }
  return undefined;
}

/** Formats a config path like `repositories.web.roles.deploy.trust.branches[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      const plain = /^[A-Za-z0-9_-]+$/.test(key);
      out += plain ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || '(top level)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string' && value.length > 78) return JSON.stringify(`${value.slice(0, 75)}...`);
  return JSON.stringify(value);
}

/**
 * One problem per zod issue (per key, for unknown keys): the config path, the value received, and what is
 * allowed. With the schema, an unknown key gets a "did you mean" from the keys allowed at its level, or a hint
 * when it is a key of the level above or below (a wrong indentation).
 */
export function zodIssues(error: z.ZodError, input: unknown, schema?: z.ZodType): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const where = formatPath(path);
    const value = valueAt(input, issue.path);
    const problem = (rule: string, at?: 'key'): ConfigProblem => ({ path, value, rule, text: `${where}: ${rule}`, ...(at ? { at } : {}) });
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => {
          const hint = schema ? unknownKeyHint(schema, path, key, input) : undefined;
          const rule = `unknown key "${key}"; ${hint ?? 'check the spelling against the documented keys'}`;
          return { path: [...path, key], value: valueAt(input, [...issue.path, key]), rule, text: `${where}: ${rule}`, at: 'key' as const };
        });
      case 'invalid_type': {
        const expected = ['object', 'record', 'map'].includes(issue.expected) ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
        if (value === undefined) return [problem(`required, expected ${expected}`)];
        if (issue.expected === 'string' && typeof value === 'number')
          return [problem(`${describeValue(value)} is a number; write it in quotes, as a string`)];
        if (value === null && expected === 'a mapping')
          return [problem(`null is not a mapping: the entry is empty; if its keys are written on the lines below, indent them further than "${String(path[path.length - 1] ?? '')}"`)];
        return [problem(`${describeValue(value)} is not ${expected}`)];
      }
      case 'invalid_value':
        return [problem(`${describeValue(value)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)];
      case 'invalid_union':
        return [problem(`${describeValue(value)} does not match any accepted form`)];
      default:
        return [problem(`${describeValue(value)}: ${issue.message}`)];
    }
  });
}

/** One line per zod issue: the config path, the value received, and what is allowed. */
export function zodProblems(error: z.ZodError, input: unknown, schema?: z.ZodType): string[] {
  return zodIssues(error, input, schema).map((p) => p.text);
}
