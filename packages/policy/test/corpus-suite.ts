/**
 * The test body every adversarial corpus runs (the project copy, the shared one when present, the extra cases):
 * each case built into a role's trust policy and its token evaluated as STS would. Here rather than in
 * @keyless/testkit, which depends on @keyless/policy: policy's tests cannot import it without a cycle.
 */
import { expect, it } from 'vitest';
import { evaluateTrustPolicy } from '../src/index.js';
import { caseClaims, intentToPolicy } from './corpus.js';
import type { Corpus } from './corpus.js';

/** One test per case: an allowed token matches a statement, a denied one comes with the reasons. */
export function runCorpus(corpus: Corpus): void {
  const { defaults, cases } = corpus;

  it('has cases to run', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => ({ ...c, name: c.id })))('$name: AWS must $expect the token', (c) => {
    const evaluation = evaluateTrustPolicy(intentToPolicy(c.intent, defaults), caseClaims(c, defaults));
    expect({ id: c.id, allowed: evaluation.allowed, reasons: evaluation.reasons }).toMatchObject({
      id: c.id,
      allowed: c.expect === 'allow',
    });
    if (c.expect === 'deny') expect(evaluation.reasons.length).toBeGreaterThan(0);
    else expect(evaluation.matchedStatements.length).toBeGreaterThan(0);
  });
}
