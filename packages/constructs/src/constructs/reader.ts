/**
 * The constructs' reader of the blueprint: provider classes instantiated from the blueprint's configs, every
 * literal string escaped unless it is a cdktf token (a reference the app made on purpose), every ref resolved to
 * the cdktf token of the resource it names. The printer reads the same blueprint into the same JSON.
 */
import { TerraformOutput, TerraformStack, Token } from 'cdktf';
import type { ITerraformDependable, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';
import type { OutputBlueprint } from '../blueprint/stack.js';
import { escapeTerraformTemplate, writeText } from '../blueprint/text.js';
import type { TextWriter } from '../blueprint/text.js';
import { JsonText, Ref, Template } from '../blueprint/values.js';
import type { Dependable, ResourceBlueprint, Text } from '../blueprint/values.js';

/** A provider resource class: `IamRole`, `RepositoryEnvironment`, … */
export interface ResourceClass {
  readonly tfResourceType: string;
  new (scope: IConstruct, id: string, config: never): TerraformResource;
}

/** A string as Terraform must receive it: escaped, unless it is a cdktf token. */
export function literal(value: string): string {
  return Token.isUnresolved(value) ? value : escapeTerraformTemplate(value);
}

/** The construct path of `scope` below its stack: the base of the blueprint paths of its resources. */
export function basePath(scope: IConstruct): string[] {
  const stack = TerraformStack.of(scope);
  return scope.node.scopes.slice(stack.node.scopes.length).map((c) => c.node.id);
}

/** Reads blueprint values for the constructs of one stack. */
export class Reader implements TextWriter {
  private readonly stack: TerraformStack;

  constructor(scope: IConstruct) {
    this.stack = TerraformStack.of(scope);
  }

  readonly literal = literal;

  readonly reference = (ref: Ref): string => {
    if (ref.attribute === undefined) throw new Error(`a reference to ${ref.ref.join('/')} needs an attribute here`);
    return this.resource(ref).getStringAttribute(ref.attribute);
  };

  /** The resource a ref names; it must exist already. */
  resource(ref: Ref): TerraformResource {
    let node: IConstruct = this.stack;
    for (const id of ref.ref) {
      const child = node.node.tryFindChild(id);
      if (child === undefined) throw new Error(`${this.stack.node.path}: a reference to ${ref.ref.join('/')}, which the stack does not have`);
      node = child;
    }
    return node as TerraformResource;
  }

  /** A blueprint string value as a string for a provider config: escaped text or a token. */
  text(value: Text): string {
    return writeText(value, this);
  }

  /** A blueprint value as a provider config value. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return literal(value);
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Ref || value instanceof Template || value instanceof JsonText) return writeText(value, this);
    if (Array.isArray(value)) return value.map((item: unknown) => this.value(item));
    // Keys are escaped too: a map's keys (tags) are data that Terraform reads as templates; an attribute name
    // holds no template syntax, so escaping leaves it as it is. fromEntries keeps even a key "__proto__" a key.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [escapeTerraformTemplate(key), key === 'dependsOn' ? this.dependencies(item as readonly (Ref | Dependable)[]) : this.value(item)]),
    );
  }

  private dependencies(items: readonly (Ref | Dependable)[]): ITerraformDependable[] {
    return items.map((item) => (item instanceof Ref ? this.resource(item) : (item as ITerraformDependable)));
  }

  /**
   * Instantiates the resources of the construct `scope`, which `resources` describes for the construct's path below
   * the stack: each resource directly below it, with the class of its type among `classes`.
   */
  build(scope: IConstruct, resources: (base: readonly string[]) => Iterable<ResourceBlueprint>, classes: readonly ResourceClass[]): TerraformResource[] {
    const base = basePath(scope);
    const out: TerraformResource[] = [];
    for (const r of resources(base)) {
      const id = r.path[r.path.length - 1];
      if (id === undefined || r.path.length !== base.length + 1 || base.some((b, i) => r.path[i] !== b)) {
        throw new Error(`${scope.node.path}: the blueprint puts a resource at ${r.path.join('/')}, not directly below ${base.join('/') || 'the stack'}`);
      }
      const Class = classes.find((c) => c.tfResourceType === r.type);
      if (Class === undefined) throw new Error(`${scope.node.path}: no provider class given for ${r.type}`);
      out.push(new Class(scope, id, this.value(r.config) as never));
    }
    return out;
  }

  /** Outputs of the stack. */
  outputs(outputs: readonly OutputBlueprint[]): void {
    for (const o of outputs) new TerraformOutput(this.stack, o.id, { value: this.value(o.value) });
  }
}
