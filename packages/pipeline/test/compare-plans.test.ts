import { describe, expect, it } from 'vitest';
import { comparePlans, differingPaths } from '../src/index.js';
import type { PlanJson, ResourceChange } from '../src/index.js';
import { clone, fixture } from './helpers.js';

type Mutable = PlanJson & { resource_changes: ResourceChange[]; output_changes: Record<string, Record<string, unknown>> };

function changed(plan: PlanJson, action: string): { address: string; change: Record<string, unknown> } {
  const rc = plan.resource_changes?.find((r) => r.change.actions.includes(action as never));
  if (!rc) throw new Error(`no ${action}`);
  return rc as unknown as { address: string; change: Record<string, unknown> };
}

describe('comparePlans', () => {
  it('accepts the same plan', () => {
    const plan = fixture('dev-access').plan;
    expect(comparePlans(plan, clone(plan))).toEqual({ same: true, differences: [] });
  });

  it('accepts two plans without changes', () => {
    expect(comparePlans(fixture('dev-unchanged').plan, fixture('dev-unchanged').plan).same).toBe(true);
  });

  it('refuses a plan that does something else, naming each resource', () => {
    const result = comparePlans(fixture('dev-access').plan, fixture('dev-destroy').plan);
    expect(result.same).toBe(false);
    expect(result.differences).toContainEqual(expect.stringMatching(/^aws_iam_role\.repo-platform_role-deploy_role_[0-9A-F]+: reviewed update, no longer in the plan$/));
    expect(result.differences).toContainEqual(expect.stringMatching(/^aws_iam_role\.repo-payments_role-deploy_role_[0-9A-F]+: delete was not in the reviewed plan$/));
  });

  it('refuses a plan with changes when the reviewed plan had none', () => {
    const result = comparePlans(fixture('dev-unchanged').plan, fixture('dev-replace').plan);
    expect(result.same).toBe(false);
    expect(result.differences).toContainEqual(expect.stringMatching(/^aws_iam_role\.repo-web-app_role-deploy_role_[0-9A-F]+: delete\+create was not in the reviewed plan$/));
  });

  it('refuses the same resource and action with another value after the change, naming only the path', () => {
    const reviewed = fixture('dev-access').plan;
    const current = clone(reviewed) as Mutable;
    const rc = changed(current, 'update');
    rc.change['after'] = { ...(rc.change['after'] as object), assume_role_policy: '{"Statement":[]}' };
    const result = comparePlans(reviewed, current);
    expect(result.differences).toEqual([`${rc.address}: the values after the change differ at assume_role_policy`]);
    expect(result.differences.join('')).not.toContain('Statement');
  });

  it('refuses a different action on the same resource', () => {
    const reviewed = fixture('dev-replace').plan;
    const current = clone(reviewed) as Mutable;
    const rc = changed(current, 'delete');
    rc.change['actions'] = ['create', 'delete'];
    expect(comparePlans(reviewed, current).differences).toEqual([`${rc.address}: reviewed delete+create, now create+delete`]);
  });

  it('accepts a plan whose values before the change differ (a change outside Terraform the apply undoes alike)', () => {
    const reviewed = fixture('dev-access').plan;
    const current = clone(reviewed) as Mutable;
    const rc = changed(current, 'update');
    rc.change['before'] = { ...(rc.change['before'] as object), description: 'edited in the console' };
    expect(comparePlans(reviewed, current).same).toBe(true);
  });

  it('refuses a differing output change', () => {
    const reviewed = fixture('dev-replace').plan;
    const current = clone(reviewed) as Mutable;
    const out = current.output_changes['role_arns'] as Record<string, unknown>;
    out['after'] = { ...(out['after'] as object), other: 'arn:aws:iam::111111111111:role/x' };
    expect(comparePlans(reviewed, current).differences).toEqual(['output role_arns: the values after the change differ at other']);
  });

  it('refuses a plan that errored', () => {
    const current = { ...fixture('dev-access').plan, errored: true };
    expect(comparePlans(fixture('dev-access').plan, current).differences).toContain('the new plan errored');
  });
});

describe('differingPaths', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }, ['b.c[1]']],
    [{ a: [1] }, { a: [1, 2] }, ['a']],
    [{ a: null }, {}, []],
    ['x', 'y', ['(whole value)']],
  ])('%j vs %j → %j', (a, b, expected) => {
    expect(differingPaths(a, b)).toEqual(expected);
  });
});
