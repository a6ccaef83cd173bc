/**
 * "Apply what was reviewed". The implementation is standalone/compare-plans.mjs (plain JavaScript, no package):
 * the apply workflow runs it in a job that holds no credentials and installs nothing.
 */
export * from '../standalone/compare-plans.mjs';
