import { hash } from 'node:crypto';

/** cdktf's logical id: the construct path below the stack, cleaned, plus 8 hex digits of its MD5. */
export function logicalId(components: readonly string[]): string {
  const parts = components.includes('Default') ? components.filter((c) => c !== 'Default') : components;
  if (parts.length === 1) {
    const only = clean(parts[0] ?? '');
    if (only.length <= 255) return only;
  }
  // crypto.hash, one call without a Hash object: a third of createHash's cost over tens of thousands of ids.
  const digest = hash('md5', parts.join('/'), 'hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const part of parts) {
    const last = human[human.length - 1];
    if (last === undefined || !last.endsWith(part)) human.push(part);
  }
  return `${human.filter((p) => p !== 'Resource').map(clean).join('_').slice(0, 240)}_${digest}`;
}

const UNCLEAN = /[^A-Za-z0-9_-]/;

function clean(s: string): string {
  return UNCLEAN.test(s) ? s.replace(/[^A-Za-z0-9_-]/g, '') : s;
}

/** A construct id as `constructs` stores it: "/" becomes "--". */
export function constructId(id: string): string {
  return id.includes('/') ? id.replace(/\//g, '--') : id;
}
