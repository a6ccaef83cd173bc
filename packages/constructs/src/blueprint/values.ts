/**
 * The values a blueprint is made of. A blueprint describes a stack once, without cdktf: construct paths, resource
 * types and configs typed with the provider packages' own config interfaces (type-only imports, nothing loaded at
 * run time), the providers, the backend and the outputs. Two readers turn it into Terraform: the constructs
 * (provider classes, refs resolved to cdktf tokens) and the printer (Terraform JSON, refs resolved to `${…}`).
 *
 * Every plain string in a blueprint is literal text: each reader writes it so that Terraform reads it as written
 * (see escape.ts). References are never strings here; they are `Ref`, `Template` and `JsonText` values.
 */
import type { IResolvable, TerraformResourceLifecycle } from 'cdktf';
import { referenceJson } from './text.js';

/**
 * A reference to a resource of the same stack by its construct path below the stack, with the Terraform attribute
 * read from it (`{ ref: ['repo-web', 'role-deploy', 'role'], attribute: 'arn' }`). Without an attribute it names
 * the resource itself, as `dependsOn` does.
 */
export class Ref {
  constructor(
    readonly ref: readonly string[],
    readonly attribute?: string,
  ) {}

  /** Inside a `JsonText`, the reference as the reader writes it. */
  toJSON(): string {
    return referenceJson(this);
  }
}

/** Text with references in it, as Terraform writes `"${aws_s3_bucket.x.arn}/*"`: literal parts and refs. */
export class Template {
  constructor(readonly parts: readonly (string | Ref)[]) {}

  /** Inside a `JsonText`, the text as the reader writes it. */
  toJSON(): string {
    return referenceJson(this);
  }
}

/**
 * The JSON text of a document (an IAM policy) for an attribute Terraform reads as a template: its strings and keys
 * reach Terraform as written, its `Ref` and `Template` values as references.
 */
export class JsonText {
  constructor(readonly document: unknown) {}
}

/**
 * A document that a function of plain strings builds (a policy that writes `${arn}/*`), with refs in it: the
 * function gets a stand-in string for each ref, and every string of the result that holds stand-ins becomes the
 * `Ref` or `Template` they stand for.
 */
export function documentWithRefs(build: (ref: (target: Ref) => string) => unknown): JsonText {
  const refs: Ref[] = [];
  const document = build((target) => `\u0001${refs.push(target) - 1}\u0001`);
  const lift = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('\u0001')) return value;
      const parts = value.split(STAND_IN).map((part, i) => (i % 2 === 1 ? (refs[Number(part)] as Ref) : part)).filter((part) => part !== '');
      return parts.length === 1 && parts[0] instanceof Ref ? parts[0] : new Template(parts);
    }
    if (Array.isArray(value)) return value.map(lift);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lift(v)]));
    return value;
  };
  return new JsonText(lift(document));
}

const STAND_IN = /\u0001(\d+)\u0001/;

/** Something a resource can wait for that the blueprint did not describe: a cdktf resource of the app's own. */
export interface Dependable {
  readonly fqn: string;
}

/** What a blueprint may hold where the provider config takes a string. */
export type Text = string | Ref | Template | JsonText;

/** A provider config value as a blueprint holds it: no cdktf tokens, refs where the config takes a string. */
export type Described<T> = T extends string
  ? Text
  : T extends number | boolean | undefined | null
    ? T
    : T extends IResolvable
      ? never
      : T extends readonly (infer U)[]
        ? readonly Described<U>[]
        : T extends object
          ? { readonly [K in keyof T]: Described<T[K]> }
          : T;

type DescribedFields<T> = { readonly [K in keyof T]: Described<T[K]> };

/** The cdktf meta-arguments a blueprint does not use, or states in its own terms. */
type MetaArgument = 'dependsOn' | 'count' | 'provider' | 'lifecycle' | 'forEach' | 'provisioners' | 'connection';

/** A provider config (`IamRoleConfig`, …) as a blueprint holds it, with the meta-arguments keyless uses. */
export type Config<C> = DescribedFields<Omit<C, MetaArgument>> & {
  /** Resources to wait for: refs without an attribute, or resources of the app's own. */
  readonly dependsOn?: readonly (Ref | Dependable)[];
  readonly lifecycle?: Pick<TerraformResourceLifecycle, 'preventDestroy'>;
};

/** One resource: its Terraform type, its construct path below the stack, and its config. */
export interface ResourceBlueprint<C = unknown> {
  readonly type: string;
  readonly path: readonly string[];
  readonly config: Config<C>;
}

/** A resource of the blueprint, its config checked against the provider's config interface. */
export function resource<C>(type: string, path: readonly string[], config: Config<C>): ResourceBlueprint {
  return { type, path, config } as ResourceBlueprint;
}

/** A construct of a stack and the spec it is built from. */
export interface Child<S> {
  /** The construct id, a Terraform address component: derived from stable keys, never from list positions. */
  readonly id: string;
  readonly spec: S;
}
