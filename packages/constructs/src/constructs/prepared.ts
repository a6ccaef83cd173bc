/**
 * Props prepared from a blueprint. A stack built from a validated model (`KeylessStack`) creates its constructs
 * from the blueprint's specs: the construct uses the spec as it is instead of validating and normalising props
 * the model has already validated. Only this package makes such props.
 */
const SPEC = Symbol('keyless.spec');

/** Props that carry a spec. */
export function prepared<P>(spec: unknown): P {
  return { [SPEC]: spec } as P;
}

/** The spec that prepared props carry, if they are prepared. */
export function preparedSpec<S>(props: object): S | undefined {
  return (props as { readonly [SPEC]?: S })[SPEC];
}
