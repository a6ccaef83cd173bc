/**
 * A blueprint config as Terraform JSON, converted exactly as cdktf converts a provider class's config: attribute
 * names from camelCase to snake_case (cdktf's own rule), nested blocks and lists of blocks kept as the config
 * shapes them (a list stays a list, a single block an object), meta-arguments (`dependsOn`, `lifecycle`)
 * converted the same way, and maps written with their keys as they are: their keys are data.
 */
import { escapeTerraformTemplate, writeText } from '../blueprint/text.js';
import type { TextWriter } from '../blueprint/text.js';
import { JsonText, Ref, Template } from '../blueprint/values.js';
import type { Dependable } from '../blueprint/values.js';

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object of a synthesized stack. */
export type Block = { [key: string]: Json };

/**
 * The attributes whose value is a map of strings in the provider schemas keyless uses (cdktf's `hashMapper`):
 * their keys stay as written. Every other object is a block, whose keys are attribute names.
 */
const MAP_ATTRIBUTES = new Set(['tags', 'tagsAll']);

/** How the printer writes text, and the address of a resource for `depends_on`. */
export interface JsonWriter extends TextWriter {
  readonly address: (ref: Ref) => string;
}

/**
 * A config (or nested block) as Terraform JSON, added to `out` in the order of the names (stableJson then writes
 * it without a sorted copy; `out`'s own keys are to sort before them, as `//` does).
 */
export function blockJson(config: object, writer: JsonWriter, out: Block = {}): Block {
  const record = config as Record<string, unknown>;
  const keys = Object.keys(record);
  const names = keys.map(snakeCase);
  for (const i of sortedOrder(names)) {
    const key = keys[i] as string;
    const item = record[key];
    if (item === undefined) continue;
    const name = names[i] as string;
    if (key === 'dependsOn') out[name] = (item as readonly (Ref | Dependable)[]).map((d) => (d instanceof Ref ? writer.address(d) : d.fqn));
    else out[name] = MAP_ATTRIBUTES.has(key) ? mapJson(item as object, writer) : valueJson(item, writer);
  }
  return out;
}

/** The indexes of `names` in sorted order. */
function sortedOrder(names: readonly string[]): number[] {
  const order = names.map((_n, i) => i);
  for (let i = 1; i < names.length; i++) if (!((names[i - 1] as string) < (names[i] as string))) return order.sort((a, b) => compare(names[a] as string, names[b] as string));
  return order;
}

/** Code-unit order, as Array.prototype.sort orders strings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value of a config: text written by the writer, lists item by item, objects as blocks. */
function valueJson(value: unknown, writer: JsonWriter): Json {
  if (typeof value === 'string') return writer.literal(value);
  if (typeof value !== 'object' || value === null) return value as Json;
  if (value instanceof Ref || value instanceof Template || value instanceof JsonText) return writeText(value, writer);
  if (Array.isArray(value)) return value.map((item: unknown) => valueJson(item, writer));
  return blockJson(value, writer);
}

/** A map whose keys are data: escaped like every other string (Terraform reads keys as templates), never converted. */
export function mapJson(map: object, writer: JsonWriter): Block {
  // No prototype, so that a key named __proto__ is an ordinary key.
  const out = Object.create(null) as Block;
  const record = map as Record<string, unknown>;
  const keys = Object.keys(record);
  const names = keys.map(escapeTerraformTemplate);
  for (const i of sortedOrder(names)) {
    const item = record[keys[i] as string];
    if (item === undefined) continue;
    out[names[i] as string] = valueJson(item, writer);
  }
  return out;
}

const SNAKE = new Map<string, string>();

/** cdktf's snake_case for attribute names (`snakeCase` in cdktf's util), remembered per name. */
export function snakeCase(name: string): string {
  let snake = SNAKE.get(name);
  if (snake === undefined) {
    snake = name
      .replace(/^[^A-Za-z0-9]*|[^A-Za-z0-9]*$/g, '')
      .replace(/([a-z0-9])([A-Z])/g, (_m, a: string, b: string) => `${a}_${b.toLowerCase()}`)
      .replace(/[^A-Za-z0-9]+|_+/g, '_')
      .toLowerCase();
    SNAKE.set(name, snake);
  }
  return snake;
}
