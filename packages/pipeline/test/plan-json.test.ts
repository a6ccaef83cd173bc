import { describe, expect, it } from 'vitest';
import { attributeChanges, changeKind, renderPlanComment, summarizePlan, summaryLine } from '../src/index.js';
import type { Change, ResourceChange } from '../src/index.js';

function rc(address: string, change: Partial<Change> & Pick<Change, 'actions'>, extra: Partial<ResourceChange> = {}): ResourceChange {
  return { address, mode: 'managed', type: address.split('.')[0] ?? '', name: address.split('.')[1] ?? '', change, ...extra };
}

describe('changeKind', () => {
  it.each([
    [rc('a.b', { actions: ['create'] }), 'create'],
    [rc('a.b', { actions: ['delete'] }), 'delete'],
    [rc('a.b', { actions: ['update'] }), 'update'],
    [rc('a.b', { actions: ['delete', 'create'] }), 'replace'],
    [rc('a.b', { actions: ['create', 'delete'] }), 'replace'],
    [rc('a.b', { actions: ['read'] }), 'read'],
    [rc('a.b', { actions: ['forget'] }), 'forget'],
    [rc('a.b', { actions: ['no-op'], importing: { id: 'x' } }), 'import'],
    [rc('a.b', { actions: ['update'], importing: { id: 'x' } }), 'import'],
    [rc('a.b', { actions: ['no-op'] }, { previous_address: 'a.old' }), 'move'],
    [rc('a.b', { actions: ['no-op'] }), 'no-op'],
  ])('%j → %s', (change, kind) => {
    expect(changeKind(change)).toBe(kind);
  });
});

describe('summaryLine', () => {
  it("counts like terraform: a replacement is one add and one destroy, imports first, moves after", () => {
    const plan = {
      resource_changes: [
        rc('a.new', { actions: ['create'] }),
        rc('a.swap', { actions: ['delete', 'create'] }),
        rc('a.edit', { actions: ['update'] }),
        rc('a.adopt', { actions: ['no-op'], importing: { id: 'i-1' } }),
        rc('a.renamed', { actions: ['no-op'] }, { previous_address: 'a.old' }),
        rc('a.left', { actions: ['forget'] }),
        rc('data.x.y', { actions: ['read'] }, { mode: 'data' }),
      ],
    };
    expect(summaryLine(summarizePlan(plan))).toBe('Plan: 1 to import, 2 to add, 1 to change, 1 to destroy, 1 to forget. 1 moved.');
    const body = renderPlanComment({ stack: 's', planJson: plan });
    expect(body).toContain('<details><summary>📥 Import (1)</summary>\n\n- `a.adopt` (id `i-1`)');
    expect(body).toContain('- `a.renamed` from `a.old`');
    expect(body).toContain('📖 Read during apply (1)');
  });

  it('says when only outputs change', () => {
    expect(summaryLine(summarizePlan({ resource_changes: [], output_changes: { x: { actions: ['create'] } } }))).toBe('No resource changes; only outputs change.');
  });
});

describe('attributeChanges', () => {
  it('descends into nested values and JSON policy text, and names the paths that force a replacement', () => {
    const before = { name: 'a', tags: { team: 'web', keep: 'x' }, policy: '{"Statement":[{"Action":"s3:GetObject"}]}' };
    const after = { name: 'b', tags: { team: 'api', keep: 'x' }, policy: '{"Statement":[{"Action":"s3:*"}]}' };
    expect(attributeChanges({ actions: ['delete', 'create'], before, after, replace_paths: [['name']] })).toEqual([
      { path: 'name', before: '"a"', after: '"b"', forcesReplacement: true },
      { path: 'policy.Statement[0].Action', before: '"s3:GetObject"', after: '"s3:*"', forcesReplacement: false },
      { path: 'tags.team', before: '"web"', after: '"api"', forcesReplacement: false },
    ]);
  });

  it('shows unknown values as known after apply and keys that need quoting in brackets', () => {
    expect(attributeChanges({ actions: ['update'], before: { arn: 'x', tags: {} }, after: { arn: null, tags: { 'a:b': '1' } }, after_unknown: { arn: true } })).toEqual([
      { path: 'arn', before: '"x"', after: '(known after apply)', forcesReplacement: false },
      { path: 'tags["a:b"]', before: '(none)', after: '"1"', forcesReplacement: false },
    ]);
  });

  it('never shows a sensitive value, nested or whole', () => {
    const changes = attributeChanges({
      actions: ['update'],
      before: { secret: 'one', nested: { token: 'two', plain: 'p' } },
      after: { secret: 'three', nested: { token: 'four', plain: 'q' } },
      before_sensitive: { secret: true, nested: { token: true } },
      after_sensitive: { secret: true, nested: { token: true } },
    });
    expect(JSON.stringify(changes)).not.toMatch(/one|two|three|four/);
    expect(changes.map((c) => [c.path, c.before, c.after])).toEqual([
      ['nested.plain', '"p"', '"q"'],
      ['nested.token', '(sensitive value)', '(sensitive value)'],
      ['secret', '(sensitive value)', '(sensitive value)'],
    ]);
  });

  it('stops at the limit', () => {
    const before = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const after = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i + 1]));
    expect(attributeChanges({ actions: ['update'], before, after }, 7)).toHaveLength(7);
  });
});
