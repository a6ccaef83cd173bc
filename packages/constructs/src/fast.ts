// `@keyless/constructs/fast`: the printer path, which never imports cdktf or the provider packages. The same
// Terraform JSON as the constructs, from the same blueprint.
export { synthApp } from './app/synth-app.js';
export type { SynthAppOptions } from './app/synth-app.js';
export { synthFast } from './app/synth.js';
export type { FastSynthOptions, FastSynthResult } from './app/synth.js';
export { loadAccessModel } from './app/load.js';
export { renderBootstrapStack, renderKeylessStack } from './printer/render.js';
export type { RenderOptions } from './printer/render.js';
export { writeSynthesized } from './printer/write.js';
export { stableJson } from './printer/stable-json.js';
export type { Block, Json } from './printer/terraform-json.js';
