/**
 * .github/CODEOWNERS decides whose approval the ruleset's "code owner review" asks for. The file is the
 * adopter's to edit (team names), so these tests check its rules, not its names: it parses, every rule has an
 * owner, and whatever decides AWS access or the pipeline's behaviour has the same owners as the workflows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

interface Rule {
  readonly pattern: string;
  readonly owners: readonly string[];
  readonly line: number;
}

function parseCodeowners(text: string): Rule[] {
  return text
    .split('\n')
    .map((l, i) => ({ l: l.replace(/(^|\s)#.*$/, '').trim(), line: i + 1 }))
    .filter(({ l }) => l !== '')
    .map(({ l, line }) => {
      const [pattern, ...owners] = l.split(/\s+/);
      return { pattern: pattern ?? '', owners, line };
    });
}

/** gitignore-style matching as CODEOWNERS uses it (the subset this file needs: anchors, directories, `*`). */
function matches(pattern: string, path: string): boolean {
  const anchored = pattern.startsWith('/');
  let p = anchored ? pattern.slice(1) : pattern;
  const directory = p.endsWith('/');
  if (directory) p = p.slice(0, -1);
  const re = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*');
  const prefix = anchored || p.includes('/') ? '^' : '(^|.*/)';
  return new RegExp(`${prefix}${re}${directory ? '/.*' : '(/.*)?'}$`).test(path);
}

/** The owners of a path: the last matching rule wins. */
function ownersOf(rules: readonly Rule[], path: string): readonly string[] {
  let owners: readonly string[] = [];
  for (const r of rules) if (matches(r.pattern, path)) owners = r.owners;
  return owners;
}

const rules = parseCodeowners(readFileSync(join(ROOT, '.github/CODEOWNERS'), 'utf8'));

describe('.github/CODEOWNERS', () => {
  it('gives every rule an owner that is a user or a team', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.owners.length, `line ${r.line}`).toBeGreaterThan(0);
      for (const o of r.owners) expect(o, `line ${r.line}`).toMatch(/^@[A-Za-z0-9-]+(\/[A-Za-z0-9._-]+)?$|^[^@\s]+@[^@\s]+$/);
    }
  });

  it('has an owner for every file', () => {
    for (const path of ['README.md', 'docs/runbook.md', 'packages/cli/src/main.ts']) expect(ownersOf(rules, path), path).not.toEqual([]);
  });

  it('gives the pipeline, the configs, the code that synthesizes them and the dependency set the owners of the workflows', () => {
    const guard = ownersOf(rules, '.github/workflows/plan.yml');
    expect(guard).not.toEqual([]);
    for (const path of [
      '.github/CODEOWNERS',
      '.github/dependabot.yml',
      '.github/workflows/apply-stacks.yml',
      '.github/terraform/install-terraform.sh',
      '.github/terraform/terraformrc',
      'apps/bootstrap/bootstrap.yaml',
      'apps/dev/access.yaml',
      'apps/prod/.terraform.lock.hcl',
      'packages/pipeline/standalone/tf-job.mjs',
      'packages/policy/src/config/bootstrap-config.ts',
      'packages/constructs/src/stacks/bootstrap-stack.ts',
      'pnpm-lock.yaml',
      'package.json',
    ])
      expect(ownersOf(rules, path), path).toEqual(guard);
  });

  it('is matched the way GitHub matches it (the matcher these tests use)', () => {
    expect(matches('/.github/', '.github/workflows/x.yml')).toBe(true);
    expect(matches('/.github/', 'apps/.github/x')).toBe(false);
    expect(matches('*', 'a/b/c')).toBe(true);
    expect(matches('/package.json', 'package.json')).toBe(true);
    expect(matches('/package.json', 'packages/x/package.json')).toBe(false);
    expect(matches('*.md', 'docs/a.md')).toBe(true);
  });
});
