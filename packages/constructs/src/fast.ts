// The cdktf-free entry point: `@keyless/constructs/fast`.
export * from './fast-app.js';
export * from './fast-synth.js';
export { backendFromEnvironment, loadAccessModel } from './load.js';
export * from './synth-app.js';
