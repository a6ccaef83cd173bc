/** The offline STS evaluator: `evaluateTrustPolicy`, IAM's glob and the GitHub claim keys it knows. */
export { evaluateTrustPolicy } from './evaluate.js';
export { stringLike } from './glob.js';
export { GITHUB_ID_CLAIMS, GITHUB_ISSUER_HOST } from './github-claims.js';
export type { ConditionFailure, Decision, Evaluation, EvaluationOptions, TokenClaims } from './types.js';
