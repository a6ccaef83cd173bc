// The printer: stack blueprints as Terraform JSON, without cdktf.
export { printStack } from './print-stack.js';
export { logicalId } from './logical-id.js';
export { stableJson } from './stable-json.js';
export { writeSynthesized } from './write.js';
export { CDKTF_VERSION, REQUIRED_PROVIDERS } from './versions.js';
export type { Block, Json } from './terraform-json.js';
