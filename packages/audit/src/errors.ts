/**
 * Bad input: a file that is not what the command expects. The CLI prints the message (naming the file, the
 * entry and what is wrong) without a stack trace and exits with 2.
 */
export class AuditInputError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'AuditInputError';
  }
}

export type Obj = Record<string, unknown>;

export function isRecord(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON value that IAM allows as one item or a list of items. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

export function stringsOf(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === 'string');
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(cmp);
}
