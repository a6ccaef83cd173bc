/**
 * An offline model of the decision AWS STS makes for AssumeRoleWithWebIdentity: would a token with these
 * claims be accepted by this role trust policy, and if not, why not.
 *
 * It follows IAM's documented evaluation logic for the parts a web-identity trust policy uses: principal,
 * action, the string and Null condition operators with `IfExists` and the `ForAllValues:` / `ForAnyValue:`
 * set operators, policy variables in condition values, "an explicit Deny wins", and the GitHub claims STS
 * sets as condition keys (github-claims.ts). Where IAM's behaviour is not documented the model takes the
 * reading that allows more, so that a test expecting a deny cannot pass by accident of the model.
 */
import { ASSUME_ROLE_WITH_WEB_IDENTITY, type PolicyDocument } from '../trust-policy.js';
import { conditionProblems } from './conditions.js';
import { GITHUB_ISSUER_HOST, claimValues, githubKeysRead, requestContext } from './github-claims.js';
import { actionProblem, parsePolicy, principalProblem, statementName } from './statement.js';
import type { ConditionFailure, Evaluation, EvaluationOptions, Problem, RawStatement, Scope, TokenClaims } from './types.js';
import { quoteList } from './types.js';

/**
 * Decides whether STS would accept a token with these claims against a role trust policy.
 * @param policy the trust policy document, or its JSON text as stored in `assume_role_policy`
 */
export function evaluateTrustPolicy(
  policy: PolicyDocument | string,
  claims: TokenClaims,
  options: EvaluationOptions = {},
): Evaluation {
  const document = parsePolicy(policy);

  const audiences = claimValues(claims.aud);
  if (audiences === undefined) {
    return implicitDeny(['the token has no aud claim, and STS refuses a token without an audience']);
  }
  if (options.providerAudiences !== undefined) {
    const known = options.providerAudiences;
    if (!audiences.some((aud) => known.includes(aud))) {
      return implicitDeny([
        `audience ${quoteList(audiences)} is not in the provider's client id list (${quoteList(known) || 'empty'}), ` +
          'so STS refuses the token before reading the trust policy',
      ]);
    }
  }
  const providerId = providerIdOf(claims.iss);
  if (providerId === undefined) {
    return implicitDeny([`issuer ${JSON.stringify(claims.iss)} is not an https URL, so no IAM OIDC provider can match it`]);
  }

  const context = requestContext(claims, providerId);
  const scope: Scope = { claims, providerId, context, options, variables: document.version === '2012-10-17' };
  const allows: string[] = [];
  const denies: string[] = [];
  const reasons: string[] = [];
  const failures: ConditionFailure[] = [];
  const caveats: string[] = [];
  let allowStatements = 0;

  document.statements.forEach((statement, index) => {
    const name = statementName(statement, index);
    const effect = statement['Effect'];
    if (effect !== 'Allow' && effect !== 'Deny') {
      reasons.push(`statement ${name}: Effect ${JSON.stringify(effect)} is neither "Allow" nor "Deny", so it is ignored`);
      return;
    }
    const problems = statementProblems(statement, scope);
    if (effect === 'Deny') {
      if (problems.length === 0) denies.push(name);
      for (const problem of problems.filter((p) => p.unevaluable)) {
        caveats.push(`statement ${name}: ${problem.text}; this Deny was not applied`);
      }
      return;
    }
    allowStatements += 1;
    if (problems.length === 0) {
      allows.push(name);
      const caveat = issuerCaveat(statement, providerId);
      if (caveat) caveats.push(`statement ${name}: ${caveat}`);
      return;
    }
    reasons.push(...problems.map((p) => `statement ${name}: ${p.text}`));
    for (const p of problems) if (p.failure) failures.push({ statement: name, ...p.failure, text: p.text });
  });

  if (denies.length > 0) {
    return {
      allowed: false,
      decision: 'explicit-deny',
      matchedStatements: denies,
      reasons: denies.map((name) => `statement ${name}: an explicit Deny matches the token, and a Deny always wins`),
      failures: [],
    };
  }
  if (allows.length > 0) return { allowed: true, decision: 'allow', matchedStatements: allows, reasons: caveats, failures: [] };
  if (allowStatements === 0) reasons.push(`no Allow statement grants ${ASSUME_ROLE_WITH_WEB_IDENTITY}`);
  return { ...implicitDeny([...reasons, ...caveats]), failures };
}

/** Everything that keeps a statement from applying to the request; empty when it applies. */
function statementProblems(statement: RawStatement, scope: Scope): Problem[] {
  const problems: Problem[] = [];
  const principal = principalProblem(statement, scope);
  if (principal) problems.push(principal);
  const action = actionProblem(statement);
  if (action) problems.push(action);
  problems.push(...conditionProblems(statement['Condition'], scope));
  return problems;
}

/**
 * AWS documents the GitHub condition keys for github.com's issuer only: an Allow that relies on them for
 * another issuer was allowed on the permissive reading, which the caller should know.
 */
function issuerCaveat(statement: RawStatement, providerId: string): string | undefined {
  if (providerId === GITHUB_ISSUER_HOST) return undefined;
  const keys = githubKeysRead(statement, providerId);
  if (keys.length === 0) return undefined;
  return (
    `allowed on the assumption that STS sets ${keys.map((k) => `${providerId}:${k}`).join(', ')} for this issuer; ` +
    `AWS documents these keys for ${GITHUB_ISSUER_HOST} only, and where STS does not set them the statement refuses every token`
  );
}

function implicitDeny(reasons: string[]): Evaluation {
  return { allowed: false, decision: 'implicit-deny', matchedStatements: [], reasons, failures: [] };
}

function providerIdOf(issuer: string): string | undefined {
  const match = /^https:\/\/(.+)$/.exec(issuer);
  return match?.[1];
}
