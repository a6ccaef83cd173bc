import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

/**
 * The published API documents itself: every optional input property says what happens when it is left out
 * (`@default value` or `@default - behaviour`), which the API reference and editors show.
 */
interface OptionalProperty {
  readonly where: string;
  readonly hasDefault: boolean;
}

function optionalProperties(dir: string, only?: ReadonlySet<string>): OptionalProperty[] {
  const found: OptionalProperty[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort()) {
    const file = join(dir, name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      if (only && !only.has(statement.name.text)) continue;
      for (const member of statement.members) {
        if (!ts.isPropertySignature(member) || member.questionToken === undefined) continue;
        found.push({
          where: `${name}: ${statement.name.text}.${member.name.getText(source)}`,
          hasDefault: ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'default'),
        });
      }
    }
  }
  return found;
}

describe('the public API documentation', () => {
  it('gives every optional prop of @keyless/constructs a @default', () => {
    // The folders of the published API; blueprint/ holds the internal specs both readers share.
    const props = ['constructs', 'stacks', 'app', 'printer'].flatMap((dir) => optionalProperties(join(ROOT, 'packages/constructs/src', dir)));
    expect(props.length).toBeGreaterThan(20);
    expect(props.filter((p) => !p.hasDefault).map((p) => p.where)).toEqual([]);
  });

  it('gives a @default to every optional field of the @keyless/policy types that construct props take', () => {
    const inputs = new Set(['RepositoryIdentity', 'SubjectSpec', 'TrustPolicyOptions', 'EvaluationOptions']);
    const props = optionalProperties(join(ROOT, 'packages/policy/src'), inputs);
    expect(new Set(props.map((p) => p.where.split(': ')[1]?.split('.')[0]))).toEqual(new Set(inputs));
    expect(props.filter((p) => !p.hasDefault).map((p) => p.where)).toEqual([]);
  });
});
