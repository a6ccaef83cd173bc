/**
 * @keyless/tf-check — internal test helper: `terraform validate` and an offline `terraform plan` of the AWS
 * half of a synthesized cdktf stack (the GitHub provider is not available offline, so GitHub parts are dropped).
 *
 *   const tf = terraformOrSkip();
 *   it.skipIf(!tf.available)('stack is valid', () => {
 *     const r = checkStack(JSON.parse(readFileSync('cdktf.out/stacks/x/cdk.tf.json', 'utf8')), { plan: true });
 *     expect(r.validate.diagnostics).toEqual([]);
 *   });
 */
export { findTerraform, terraformOrSkip, terraformPlatform, mirrorAwsVersions } from './find.js';
export type { TerraformEnvironment, FindTerraformResult } from './find.js';
export { awsHalf, templateExpressions } from './aws-half.js';
export {
  checkStack,
  countChanges,
  offlineOverride,
  cliConfig,
  OFFLINE_DATA_SOURCES,
  MAIN_FILE,
  OVERRIDE_FILE,
  CLI_CONFIG_FILE,
} from './check.js';
export type { CheckResult, CheckOptions, Diagnostic } from './check.js';
export { planStacks } from './plan-stacks.js';
export type { PlannedResource, PlanStacksOptions, PlanStacksResult, StackInput } from './plan-stacks.js';
