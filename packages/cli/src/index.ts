export * from './discover.js';
export * from './main.js';
