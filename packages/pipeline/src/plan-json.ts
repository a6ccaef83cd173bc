/**
 * Reading `terraform show -json` of a saved plan. The implementation is standalone/plan-json.mjs: plain
 * JavaScript with no package, so that the terraform jobs of the pipeline run it without any install.
 */
export * from '../standalone/plan-json.mjs';
