/**
 * `keyless explain` for a terminal: at most 100 columns (`--wide` prints the full table lines of
 * renderAccessReport instead). Each role is a block: its name with its risk flags, then who can assume it, what it
 * may do and the variables that carry its ARN, one item per line, long items wrapped under themselves. Nothing is
 * cut: a word longer than the line (a long workflow path) is broken after a "/" where it can be, never shortened.
 */
import { RISK_LABEL, whoCanAssume } from '@keyless/policy';
import type { AccessReport } from '@keyless/policy';

export const DEFAULT_WIDTH = 100;


/**
 * Wraps one line to `width` columns at spaces; continuation lines start with `indent`. A word longer than a line
 * is broken where it must be. The text's own leading spaces are kept on the first line.
 */
export function wrapLine(text: string, width: number, indent = ''): string[] {
  if (text.length <= width) return [text];
  const lead = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let current = lead;
  let fresh = true; // nothing but the indent on the current line yet
  const room = (): number => width - current.length;
  for (const word of words) {
    const space = fresh ? '' : ' ';
    if (word.length + space.length <= room()) {
      current += space + word;
      fresh = false;
      continue;
    }
    if (!fresh) {
      lines.push(current);
      current = indent;
      fresh = true;
    }
    let rest = word;
    while (rest.length > room() && room() > 0) {
      // Break a path or a list after a separator when there is one in the second half of the room.
      const head = rest.slice(0, room());
      const separator = Math.max(head.lastIndexOf('/'), head.lastIndexOf(':'), head.lastIndexOf('@'));
      const cut = separator >= room() / 2 ? separator + 1 : Math.max(1, room());
      lines.push(current + rest.slice(0, cut));
      rest = rest.slice(cut);
      current = indent;
    }
    current += rest;
    fresh = rest.length === 0;
  }
  if (!fresh || current.trim() !== '') lines.push(current);
  return lines;
}

/** Wraps every line of a text (lines keep their own indent; continuations are indented two more). */
export function wrapText(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const lead = /^ */.exec(line)?.[0] ?? '';
      return wrapLine(line, width, `${lead}    `.slice(0, Math.min(lead.length + 4, Math.floor(width / 2))));
    })
    .join('\n');
}

/** A labelled list: the label on the first line, each item on its own line, wrapped under the item. */
function field(label: string, items: readonly string[], width: number): string[] {
  const pad = `  ${label.padEnd(5)} `;
  const blank = ' '.repeat(pad.length);
  return (items.length > 0 ? items : ['-']).flatMap((item, i) => wrapLine(`${i === 0 ? pad : blank}${item}`, width, `${blank}  `));
}

function policyName(arn: string): string {
  return arn.slice(arn.indexOf(':policy/') + ':policy/'.length);
}

/** The access report in at most `width` columns: one block per role. */
export function renderAccessReportFitted(reports: readonly AccessReport[], width = DEFAULT_WIDTH): string {
  const out: string[] = [];
  for (const report of reports) {
    out.push(...wrapLine(`${report.environment}: account ${report.accountId}, ${report.region}, issuer ${report.issuer.label}, audience ${report.audiences.join(', ')}`, width, '    '));
    out.push('');
    for (const role of report.roles) {
      const flags = [...new Set(role.risks.map((r) => RISK_LABEL[r.kind]))];
      const loud = flags.filter((f) => f === f.toUpperCase());
      const quiet = flags.filter((f) => f !== f.toUpperCase());
      const marks = [...loud, ...quiet].join(', ');
      const head = marks ? `${role.name}  [${marks}]` : role.name;
      out.push(...(head.length <= width ? [head] : [...wrapLine(role.name, width, '  '), ...wrapLine(`  [${marks}]`, width, '   ')]));
      out.push(...field('who', whoCanAssume(role), width));
      out.push(
        ...field(
          'may',
          [...role.managedPolicyArns.map(policyName), ...role.inlinePolicies.map((p) => `${p.name} (${p.actions.join(', ')})`)].length > 0
            ? [...role.managedPolicyArns.map(policyName), ...role.inlinePolicies.map((p) => `${p.name} (${p.actions.join(', ')})`)]
            : ['(no permissions)'],
          width,
        ),
      );
      const variables = role.variables.map((v) => `${v.repository === role.repository ? '' : `${v.repository.split('/')[1]}:`}${v.environment ? `${v.name}@${v.environment}` : v.name}`);
      out.push(...field('vars', variables, width));
      out.push('');
    }
    const risky = report.roles.flatMap((r) => r.risks.filter((k) => k.kind !== 'name-recycling').map((k) => `  ! ${r.name}: ${k.detail}`));
    if (risky.length > 0) out.push('risky grants (explicitly opted in):', ...risky.flatMap((line) => wrapLine(line, width, '      ')));
    const recycled = report.roles.filter((r) => r.risks.some((k) => k.kind === 'name-recycling')).length;
    if (recycled > 0)
      out.push(...wrapLine(`${recycled} of ${report.roles.length} roles trust repositories by name only: a repository that later takes the name inherits the access; set the ids (repository id and github.ownerId) to pin them beside the subject`, width));
    out.push('');
  }
  return out.join('\n');
}
