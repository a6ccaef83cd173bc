export * from './fixtures.js';
export * from './access-config.js';
export * from './bootstrap-config.js';
export * from './schema-coverage.js';
export * from './model-stacks.js';
export * from './prng.js';
export * from './tree.js';
export * from './stderr.js';
