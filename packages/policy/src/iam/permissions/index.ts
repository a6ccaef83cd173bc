export * from './actions.js';
export * from './analyze.js';
export * from './managed.js';
export * from './role.js';
