export {};
export * from './fixtures.js';
