// Shared settings (timeouts for loaded machines): ../../vitest.shared.ts. Synthesizing stacks is CPU-bound;
// the shared 60 s default covers the slowest construct test on a loaded 2-core machine.
export { default } from '../../vitest.shared.ts';
