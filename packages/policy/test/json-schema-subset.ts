/**
 * A JSON Schema validator for exactly the keywords zod's toJSONSchema writes for keyless' config schemas (no
 * validator package is installed). `SUPPORTED_KEYWORDS` lists them; schema.test.ts checks that the generated
 * schemas use no other keyword, so a schema this validator would silently pass cannot slip through.
 */
export const SUPPORTED_KEYWORDS = new Set([
  '$schema', 'title', 'description', // annotations
  'type', 'const', 'enum', 'anyOf', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items',
]);

type Schema = boolean | { readonly [keyword: string]: unknown };

/** Every keyword a schema uses, at any depth (property names under `properties` are not keywords). */
export function keywordsOf(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) keywordsOf(s, out);
  else if (schema !== null && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      out.add(k);
      if (k === 'properties') for (const s of Object.values(v as object)) keywordsOf(s, out);
      else if (k !== 'const' && k !== 'enum') keywordsOf(v, out);
    }
  }
  return out;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return expected === actual || (expected === 'number' && actual === 'integer');
}

/** The errors of `value` against `schema`, each `path: what`; empty when it validates. */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  for (const k of Object.keys(schema)) if (!SUPPORTED_KEYWORDS.has(k)) throw new Error(`${path}: keyword ${k} is not supported by this validator`);
  const errors: string[] = [];
  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? (type as string[]) : [type as string];
    if (!types.some((t) => typeMatches(t, value))) return [`${path}: ${typeOf(value)} is not ${types.join(' or ')}`];
  }
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(value)) errors.push(`${path}: not ${JSON.stringify(schema['const'])}`);
  if (schema['enum'] !== undefined && !(schema['enum'] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errors.push(`${path}: not one of ${JSON.stringify(schema['enum'])}`);
  if (schema['anyOf'] !== undefined) {
    const branches = (schema['anyOf'] as Schema[]).map((s) => validate(s, value, path));
    if (!branches.some((b) => b.length === 0)) errors.push(`${path}: matches no form (${branches.map((b) => b[0]).join('; ')})`);
  }
  if (Array.isArray(value) && schema['items'] !== undefined) for (const [i, v] of value.entries()) errors.push(...validate(schema['items'] as Schema, v, `${path}[${i}]`));
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const key of (schema['required'] ?? []) as string[]) if (!(key in object)) errors.push(`${path}: ${key} is required`);
    for (const [key, v] of Object.entries(object)) {
      if (schema['propertyNames'] !== undefined) errors.push(...validate(schema['propertyNames'] as Schema, key, `${path}.${key} (name)`));
      if (key in properties) errors.push(...validate(properties[key] as Schema, v, `${path}.${key}`));
      else if (schema['additionalProperties'] !== undefined) errors.push(...validate(schema['additionalProperties'] as Schema, v, `${path}.${key}`));
    }
  }
  return errors;
}
