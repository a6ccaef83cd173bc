import { dump, load } from 'js-yaml';
import { Testing } from 'cdktf';
import type { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

/** A synthesized resource, output or provider block: plain JSON. */
export type Block = Record<string, any>;

/** The parts of a synthesized stack the tests read. */
export interface Synthesized {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly provider?: Record<string, Block[]>;
  readonly output?: Record<string, Block>;
  readonly terraform?: Block;
}

/** Synthesizes whatever the callback adds to a fresh test stack. */
export function synthScope(fn: (scope: Construct) => void): Synthesized {
  return JSON.parse(Testing.synthScope(fn)) as Synthesized;
}

/** Synthesizes a stack. */
export function synthStack(stack: TerraformStack): Synthesized {
  return JSON.parse(Testing.synth(stack)) as Synthesized;
}

/** Resources of one type by their Terraform address key; empty when there are none. */
export function resourcesOf(synth: Synthesized, type: string): Record<string, Block> {
  return synth.resource?.[type] ?? {};
}

/** The only resource of a type; fails the test when there is not exactly one. */
export function onlyResource(synth: Synthesized, type: string): Block {
  const all = Object.values(resourcesOf(synth, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as Block;
}

/** The resource of a type whose `field` equals `value`, with its address key. */
export function findResource(synth: Synthesized, type: string, field: string, value: unknown): { key: string; block: Block } {
  const found = Object.entries(resourcesOf(synth, type)).filter(([, b]) => b[field] === value);
  if (found.length !== 1) throw new Error(`expected one ${type} with ${field} = ${JSON.stringify(value)}, found ${found.length}`);
  const [key, block] = found[0] as [string, Block];
  return { key, block };
}

/** A list or a single value as a list, the way IAM policy elements are written. */
export function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** YAML text to and from plain data, for tests that rewrite configs. */
export interface YamlModule {
  parse(text: string): unknown;
  stringify(value: unknown): string;
}
export const yaml: YamlModule = { parse: (text) => load(text), stringify: (value) => dump(value) };
