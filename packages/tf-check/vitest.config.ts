// Shared settings (timeouts for loaded machines): ../../vitest.shared.ts.
export { default } from '../../vitest.shared.ts';
