export * from './issuer.js';
export * from './limits.js';
export * from './subject.js';
export * from './trust-policy.js';
export * from './config.js';
export * from './model.js';
