/**
 * Which fields of a zod schema a set of values reaches. A field is named by its path: `repositories.*.roles.*.trust`
 * (`*` for a record entry, `[]` for a list item); a union alternative by `path|index`, an enum value or
 * literal by `path=value`, a boolean by `path=true` and `path=false`. `schemaFields` lists every name the schema
 * has, `reachedFields` those a value reaches, so a test can require that generated configs reach them all.
 *
 * It reads zod 4's public definition objects (`schema._zod.def`) and needs no zod import of its own.
 */

interface Def {
  readonly type: string;
  readonly shape?: Record<string, Schema>;
  readonly innerType?: Schema;
  readonly element?: Schema;
  readonly valueType?: Schema;
  readonly options?: readonly Schema[];
  readonly entries?: Record<string, string | number>;
  readonly values?: readonly unknown[];
}

/** The part of a zod schema this module reads. */
export interface Schema {
  readonly _zod: { readonly def: unknown };
  safeParse(value: unknown): { success: boolean };
}

const defOf = (schema: Schema): Def => schema._zod.def as Def;
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Every field name of the schema. */
export function schemaFields(schema: Schema, path = ''): Set<string> {
  const out = new Set<string>();
  const walk = (s: Schema, p: string): void => {
    const def = defOf(s);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'readonly':
        if (def.innerType) walk(def.innerType, p);
        return;
      case 'object':
        for (const [key, value] of Object.entries(def.shape ?? {})) {
          out.add(join(p, key));
          walk(value, join(p, key));
        }
        return;
      case 'record':
        if (def.valueType) walk(def.valueType, `${p}.*`);
        return;
      case 'array':
        if (def.element) walk(def.element, `${p}[]`);
        return;
      case 'union':
        (def.options ?? []).forEach((option, i) => {
          out.add(`${p}|${i}`);
          walk(option, p);
        });
        return;
      case 'enum':
        for (const value of Object.values(def.entries ?? {})) out.add(`${p}=${String(value)}`);
        return;
      case 'literal':
        for (const value of def.values ?? []) out.add(`${p}=${String(value)}`);
        return;
      case 'boolean':
        out.add(`${p}=true`);
        out.add(`${p}=false`);
        return;
      default:
        return;
    }
  };
  walk(schema, path);
  return out;
}

/** The field names a value reaches; adds them to `out`. */
export function reachedFields(schema: Schema, value: unknown, out = new Set<string>(), path = ''): Set<string> {
  const walk = (s: Schema, v: unknown, p: string): void => {
    const def = defOf(s);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'readonly':
        if (v !== undefined && v !== null && def.innerType) walk(def.innerType, v, p);
        return;
      case 'object':
        if (v === null || typeof v !== 'object') return;
        for (const [key, field] of Object.entries(def.shape ?? {})) {
          const item = (v as Record<string, unknown>)[key];
          if (item === undefined) continue;
          out.add(join(p, key));
          walk(field, item, join(p, key));
        }
        return;
      case 'record':
        if (v === null || typeof v !== 'object' || !def.valueType) return;
        for (const item of Object.values(v as Record<string, unknown>)) walk(def.valueType, item, `${p}.*`);
        return;
      case 'array':
        if (!Array.isArray(v) || !def.element) return;
        for (const item of v) walk(def.element, item, `${p}[]`);
        return;
      case 'union':
        (def.options ?? []).forEach((option, i) => {
          if (!option.safeParse(v).success) return;
          out.add(`${p}|${i}`);
          walk(option, v, p);
        });
        return;
      case 'enum':
      case 'literal':
      case 'boolean':
        out.add(`${p}=${String(v)}`);
        return;
      default:
        return;
    }
  };
  walk(schema, value, path);
  return out;
}

/** The field names of the schema that none of the values reaches, sorted. */
export function unreachedFields(schema: Schema, values: Iterable<unknown>): string[] {
  const reached = new Set<string>();
  for (const value of values) reachedFields(schema, value, reached);
  return [...schemaFields(schema)].filter((f) => !reached.has(f)).sort();
}
