// `keyless explain --token` on a role with pinned ids (payments of the octo-org fixture: ids 456789 and 123456):
// the claim that failed is named, a token without the claims is undecided rather than refused by its subject,
// and ids typed as numbers decide as the digit strings GitHub sends, with a note saying so.
import { rmSync } from 'node:fs';
import { octoOrgWorkspace } from '@keyless/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type KeylessRun, runKeyless } from './run-keyless.js';

const root = octoOrgWorkspace();
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (...argv: string[]): Promise<KeylessRun> => runKeyless(root, argv);

const SUB = 'repo:octo-org@123456/payments@456789:ref:refs/heads/main';
const token = (claims: Record<string, unknown>) => JSON.stringify({ sub: SUB, ref: 'refs/heads/main', ...claims });
const ROLE = 'gha-dev-payments-deploy';

describe('keyless explain --token with GitHub claims', () => {
  it('accepts the whole token of the pinned repository', async () => {
    const { code, out } = await run('explain', 'dev', '--wide', '--token', token({ repository_id: '456789', repository_owner_id: '123456' }));
    expect(code).toBe(0);
    expect(out).toContain(`  + dev/${ROLE} `);
  });

  it('names the id that differs, and nothing else', async () => {
    const { code, out } = await run('explain', 'dev', '--wide', '--token', token({ repository_id: '999', repository_owner_id: '123456' }));
    expect(code).toBe(3);
    expect(out).toMatch(/^ {6}statement \S+: repository_id 999 is not 456789$/m);
    expect(out).not.toContain('repository_owner_id 123456 is not');
  });

  it('keeps the full condition key in --json', async () => {
    const { out } = await run('explain', 'dev', '--json', '--token', token({ repository_id: '999', repository_owner_id: '123456' }));
    const verdict = (JSON.parse(out) as { verdicts: { role: string; failures: { key: string; claim: string }[] }[] }).verdicts.find((v) => v.role === ROLE);
    expect(verdict?.failures).toEqual([expect.objectContaining({ key: 'token.actions.githubusercontent.com:repository_id', claim: 'repository_id' })]);
  });

  it('reads ids given as numbers as their digits, and says so', async () => {
    const { code, out } = await run('explain', 'dev', '--wide', '--token', token({ repository_id: 456789, repository_owner_id: 123456 }));
    expect(code).toBe(0);
    expect(out).toContain('note: repository_id is the number 456789 in the claims given; GitHub\'s tokens carry ids as text ("456789")');
  });

  it('leaves the role undecided for a sub alone, naming the claims to pass', async () => {
    const { code, out } = await run('explain', 'dev', '--wide', '--sub', SUB);
    expect(code).toBe(3);
    expect(out).toContain(`  ? dev/${ROLE}: needs repository_id, repository_owner_id`);
  });
});
