// The pull request comment of one stack's plan (and the summary an environment's reviewers read before they
// approve an apply, and the drift issue): one comment per stack, found again by its hidden marker and updated in
// place. A summary line, a loud warning on any destroy or replacement, who gains or loses access, what changed
// outside Terraform, the resources by action, the full plan folded, and a link to the run — kept under GitHub's
// comment limit by cutting the full plan from the top (its tail holds the summary).
//
// Standalone (Node's own modules and this directory only): the terraform jobs render it from `terraform show
// -json` without installing any package. Types: render-comment.d.mts.
import { attributeChanges, replacementPaths, summarizePlan, summaryLine } from './plan-json.mjs';
/** GitHub refuses an issue comment body longer than 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** The hidden marker that identifies a stack's comment (or, for `drift`, its drift issue). */
export function commentMarker(stack, kind = 'plan') {
  return `<!-- keyless-${kind}:${stack} -->`;
}
export function textLength(s) {
  return Buffer.byteLength(s, 'utf8');
}
/** A Markdown code span that survives backticks in the text. */
export function code(text) {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
/** A fenced block that the text cannot close early. */
function fenced(text, lang = '') {
  const runs = text.match(/^`{3,}/gm) ?? [];
  const fence = '`'.repeat(Math.max(3, ...runs.map((r) => r.length + 1)));
  return `${fence}${lang}\n${text.replace(/\n+$/, '')}\n${fence}`;
}
const KIND_TITLE = {
  delete: '🛑 Destroy',
  replace: '⚠️ Replace',
  create: '🟢 Create',
  update: '🟡 Update in place',
  import: '📥 Import',
  move: '🔀 Move',
  forget: '🫥 Forget: removed from the state, kept in AWS —',
};
const WARNING_ITEMS = 25;
const KIND_ORDER = ['delete', 'replace', 'create', 'update', 'import', 'move', 'forget'];
function replaceVerb(rc) {
  return rc.change.actions[0] === 'create' ? 'replaced (create before destroy)' : 'replaced (destroyed, then created)';
}
function resourceLine(rc, kind, detail) {
  const parts = [`- ${code(rc.address)}`];
  if (rc.deposed)
    parts.push(`(deposed object ${code(rc.deposed)})`);
  if (kind === 'move' && rc.previous_address)
    parts.push(`from ${code(rc.previous_address)}`);
  if (kind === 'import' && rc.change.importing?.id)
    parts.push(`(id ${code(rc.change.importing.id)})`);
  if (kind === 'replace') {
    const paths = replacementPaths(rc);
    if (paths.length > 0)
      parts.push(`— forced by ${paths.map(code).join(', ')}`);
  }
  if (rc.keyless_source === 'config-vs-state')
    parts.push('(configuration against the state)');
  const lines = [parts.join(' ')];
  if (detail && (kind === 'update' || kind === 'replace' || kind === 'import')) {
    const changes = attributeChanges(rc.change, 12).filter((c) => kind !== 'replace' || c.after !== '(known after apply)' || c.forcesReplacement);
    for (const c of changes)
      lines.push(`  - ${code(c.path)}: ${code(c.before)} → ${code(c.after)}${c.forcesReplacement ? ' (forces replacement)' : ''}`);
  }
  return lines.join('\n');
}
function driftLine(rc) {
  const a = rc.change.actions;
  const what = a.includes('delete') ? 'was deleted outside Terraform' : 'was changed outside Terraform';
  const changes = a.includes('delete') ? [] : attributeChanges(rc.change, 8);
  return [
    `- ${code(rc.address)} ${what}`,
    ...changes.map((c) => `  - ${code(c.path)}: ${code(c.before)} → ${code(c.after)}`),
  ].join('\n');
}
function warning(s) {
  const del = s.byKind.delete;
  const rep = s.byKind.replace;
  if (del.length + rep.length === 0)
    return undefined;
  const counts = [
    ...(del.length > 0 ? [`destroys ${del.length} resource${del.length === 1 ? '' : 's'}`] : []),
    ...(rep.length > 0 ? [`replaces ${rep.length} resource${rep.length === 1 ? '' : 's'}`] : []),
  ].join(' and ');
  const items = [
    ...del.map((rc) => `> - ${code(rc.address)} is **destroyed**`),
    ...rep.map((rc) => {
      const paths = replacementPaths(rc);
      return `> - ${code(rc.address)} is **${replaceVerb(rc)}**${paths.length > 0 ? `, forced by ${paths.map(code).join(', ')}` : ''}`;
    }),
  ];
  // The warning always fits: at most WARNING_ITEMS named, the rest counted (the resource list has them all).
  if (items.length > WARNING_ITEMS)
    items.splice(WARNING_ITEMS, items.length - WARNING_ITEMS, `> - … and ${items.length - WARNING_ITEMS} more`);
  const iam = [...del, ...rep].some((rc) => rc.type.startsWith('aws_iam_role') || rc.type === 'aws_iam_openid_connect_provider');
  return [
    '> [!CAUTION]',
    `> **This plan ${counts}.**${iam ? ' A destroyed or replaced role or OIDC provider refuses every workflow that assumes it until the new one exists, and a replaced role has a new unique id: check each one before approving.' : ' Check each one before approving.'}`,
    ...items,
  ].join('\n');
}
const CAUTION_ALERTS = ['administrator', 'pull-requests-write'];
const WARNING_ALERTS = ['pull-requests', 'any-branch', 'trust-pin', 'organization-wide'];
/**
 * The alert blocks an access change leads the comment with (src/access-changes.ts sets `alert`): CAUTION for new
 * administrator-equivalent access or pull request jobs that can write, WARNING for a role that newly trusts pull
 * requests, any branch or every repository of an owner, or loses or changes an id, ref or workflow pin. Each names
 * its changes (at most WARNING_ITEMS), as code so no config text is Markdown.
 */
function accessAlerts(access) {
  const blocks = [];
  for (const [level, kinds] of [['CAUTION', CAUTION_ALERTS], ['WARNING', WARNING_ALERTS]]) {
    const lines = [...new Set((access ?? []).filter((c) => kinds.includes(c.alert)).map((c) => c.line))];
    if (lines.length === 0)
      continue;
    const has = (kind) => (access ?? []).some((c) => c.alert === kind);
    const what = level === 'CAUTION'
      ? [has('administrator') ? 'grants administrator-equivalent access' : undefined, has('pull-requests-write') ? 'lets pull request jobs assume a role that can write' : undefined]
      : [
        has('pull-requests') ? 'lets a role newly trust pull requests' : undefined,
        has('any-branch') ? 'lets a role newly trust any branch' : undefined,
        has('organization-wide') ? 'lets a role newly trust every repository of an owner' : undefined,
        has('trust-pin') ? 'removes or changes what a role pins (repository or owner id, ref, workflow)' : undefined,
      ];
    const why = level === 'CAUTION'
      ? 'Whoever can run the trusted jobs gets it: approve only if that is meant.'
      : 'Code nobody has reviewed can then assume the role: check that it is meant.';
    const items = lines.slice(0, WARNING_ITEMS).map((l) => `> - ${code(l)}`);
    if (lines.length > WARNING_ITEMS)
      items.push(`> - … and ${lines.length - WARNING_ITEMS} more (see the access changes)`);
    blocks.push([`> [!${level}]`, `> **This change ${what.filter(Boolean).join(' and ')}.** ${why}`, ...items].join('\n'));
  }
  return blocks.length > 0 ? blocks.join('\n\n') : undefined;
}
/** A plain plan text rendered from the JSON, when `terraform show` output is not at hand. */
export function planTextFromJson(plan) {
  const s = summarizePlan(plan);
  const lines = [];
  for (const kind of KIND_ORDER) {
    for (const rc of s.byKind[kind]) {
      const sign = { delete: '-', replace: '-/+', create: '+', update: '~', import: '<=', move: '->', forget: '.' }[kind];
      lines.push(`${sign} ${rc.address}${kind === 'move' && rc.previous_address ? ` (moved from ${rc.previous_address})` : ''}`);
      if (kind !== 'create' && kind !== 'delete')
        for (const c of attributeChanges(rc.change, 200))
          lines.push(`    ${c.path}: ${c.before} -> ${c.after}${c.forcesReplacement ? ' # forces replacement' : ''}`);
    }
  }
  for (const o of s.outputs)
    lines.push(`output ${o.name}: ${o.kind}`);
  lines.push('', summaryLine(s));
  return lines.join('\n');
}
function resourceSection(s, limitPerKind, detail) {
  const out = [];
  for (const kind of KIND_ORDER) {
    const items = s.byKind[kind];
    if (items.length === 0)
      continue;
    const shown = items.slice(0, limitPerKind).map((rc) => resourceLine(rc, kind, detail));
    if (items.length > shown.length)
      shown.push(`- … and ${items.length - shown.length} more (see the full plan)`);
    const open = kind === 'delete' || kind === 'replace' ? ' open' : '';
    out.push(`<details${open}><summary>${KIND_TITLE[kind]} (${items.length})</summary>\n\n${shown.join('\n')}\n\n</details>`);
  }
  if (s.reads.length > 0) {
    const shown = s.reads.slice(0, limitPerKind).map((rc) => `- ${code(rc.address)}`);
    if (s.reads.length > shown.length)
      shown.push(`- … and ${s.reads.length - shown.length} more`);
    out.push(`<details><summary>📖 Read during apply (${s.reads.length})</summary>\n\n${shown.join('\n')}\n\n</details>`);
  }
  if (s.outputs.length > 0)
    out.push(`Outputs: ${s.outputs.map((o) => `${code(o.name)} (${o.kind})`).join(', ')}`);
  return out;
}
function assemble(x) {
  const parts = [x.head, x.alerts, x.warning, x.access, x.drift, x.resources.length > 0 ? `### Resources\n\n${x.resources.join('\n\n')}` : undefined, x.fullPlan, x.footer];
  return `${parts.filter((p) => p !== undefined && p !== '').join('\n\n')}\n`;
}
function foldedPlan(text, omitted, where) {
  const note = omitted > 0 ? `✂️ The first ${omitted} characters of the plan are cut to fit a comment; the full plan is in ${where}.\n\n` : '';
  return `<details><summary>Full plan</summary>\n\n${note}${fenced(text.replace(/^\n+/, ''), 'hcl')}\n\n</details>`;
}
/** Keeps the end of a text within `budget` bytes, starting at a line. */
function tail(text, budget) {
  if (textLength(text) <= budget)
    return text;
  let cut = text.length - budget;
  // Multi-byte characters: move forward until it fits, then to the next line start.
  while (cut < text.length && textLength(text.slice(cut)) > budget)
    cut += Math.max(1, Math.ceil((textLength(text.slice(cut)) - budget) / 4));
  const nl = text.indexOf('\n', cut);
  return nl >= 0 && nl + 1 < text.length ? text.slice(nl + 1) : text.slice(cut);
}
/** Renders the comment; the result is never longer than `maxLength`. */
export function renderPlanComment(options) {
  const { stack, planJson } = options;
  const max = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const s = summarizePlan(planJson);
  const where = options.fullPlanLocation ?? `the job summary of the run and its artifact ${code(`plan-${stack}`)}`;
  const flags = [];
  if (s.byKind.delete.length + s.byKind.replace.length > 0)
    flags.push('🛑 destroys resources');
  // Computed from the configs by the synthesis job; absent when no access section is wanted.
  const access = options.access;
  if (access && access.length > 0)
    flags.push(`🔑 ${access.length} access change${access.length === 1 ? '' : 's'}`);
  if (access?.some((c) => c.kind === 'risk'))
    flags.push('⚠️ new risky grant');
  if (s.drift.length > 0)
    flags.push(`🌀 ${s.drift.length} changed outside Terraform`);
  if (planJson.errored)
    flags.push('❌ the plan errored');
  const kind = options.kind ?? 'plan';
  const head = [
    commentMarker(stack, kind),
    kind === 'drift' ? `### Drift check: ${code(stack)}` : `### Terraform plan: ${code(stack)}`,
    '',
    `**${summaryLine(s)}**${flags.length > 0 ? ` · ${flags.join(' · ')}` : ''}`,
    ...(options.notes ?? []).flatMap((n) => ['', `> [!NOTE]\n> ${n.replace(/\n/g, '\n> ')}`]),
  ].join('\n');
  let accessSection;
  if (access !== undefined) {
    // A diff block: GitHub colours + and - lines, and nothing in a line can start Markdown or HTML.
    accessSection =
      access.length > 0
        ? `### Access changes\n\n${fenced(access.map((c) => c.line).join('\n'), 'diff')}`
        : '### Access changes\n\nNo one gains or loses the ability to assume a role, and no role gains or loses permissions.';
  }
  const driftSection = s.drift.length > 0
    ? `### Changed outside Terraform\n\nTerraform found these objects changed since the last apply; this plan sets them back to the configuration unless the configuration is updated to match.\n\n${s.drift.map(driftLine).join('\n')}`
    : undefined;
  const planText = options.planText ?? planTextFromJson(planJson);
  const run = options.runUrl ? `[workflow run](${options.runUrl})` : undefined;
  const footer = [
    '---',
    [
      run,
      options.commitSha ? `commit ${code(options.commitSha.slice(0, 12))}` : undefined,
      planJson.terraform_version ? `Terraform ${planJson.terraform_version}` : undefined,
      options.planDigest ? `plan file sha256 ${code(options.planDigest)}` : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
  ]
    .filter((l) => l !== '')
    .join('\n');
  const sections = {
    head,
    ...(accessAlerts(access) ? { alerts: accessAlerts(access) } : {}),
    ...(warning(s) ? { warning: warning(s) } : {}),
    ...(accessSection ? { access: accessSection } : {}),
    ...(driftSection ? { drift: driftSection } : {}),
    resources: resourceSection(s, Number.MAX_SAFE_INTEGER, true),
    fullPlan: s.noChanges ? '' : foldedPlan(planText, 0, where),
    footer,
  };
  let body = assemble(sections);
  if (textLength(body) <= max)
    return body;
  // 1. Cut the full plan from the top: its end holds the summary and the output changes.
  const withoutPlan = textLength(assemble({ ...sections, fullPlan: foldedPlan('', 1, where) }));
  const budget = max - withoutPlan - 64;
  if (budget > 2_000) {
    const kept = tail(planText, budget);
    body = assemble({ ...sections, fullPlan: foldedPlan(kept, planText.length - kept.length, where) });
    if (textLength(body) <= max)
      return body;
  }
  sections.fullPlan = `✂️ The full plan does not fit in a comment; it is in ${where}.`;
  // 2. Shorten the resource lists: fewer entries per action, then no attribute details.
  for (const detail of [true, false]) {
    for (let perKind = 200; perKind >= 5; perKind = Math.floor(perKind / 2)) {
      body = assemble({ ...sections, resources: resourceSection(s, perKind, detail) });
      if (textLength(body) <= max)
        return body;
    }
  }
  sections.resources = resourceSection(s, 5, false);
  // 3. Shorten the access and drift lists (their counts stay in the summary line).
  const shorten = (section, keep) => {
    if (section === undefined)
      return undefined;
    const lines = section.split('\n');
    if (lines.length <= keep)
      return section;
    const fence = section.trimEnd().split('\n').at(-1) ?? '';
    const closes = /^`{3,}$/.test(fence);
    return [...lines.slice(0, keep), `… and ${lines.length - keep} more lines`, ...(closes ? [fence] : []), `The full list is in ${where}.`].join('\n');
  };
  for (let keep = 200; keep >= 10; keep = Math.floor(keep / 2)) {
    const shorter = { ...sections, ...(sections.access ? { access: shorten(sections.access, keep) } : {}), ...(sections.drift ? { drift: shorten(sections.drift, keep) } : {}) };
    body = assemble(shorter);
    if (textLength(body) <= max)
      return body;
  }
  // 4. Never exceed the limit: keep the marker and summary, say where the rest is.
  const last = `${head}\n\n${sections.alerts ? `${sections.alerts}\n\n` : ''}✂️ This plan is too large for a comment; see ${where}.\n\n${footer}\n`;
  return textLength(last) <= max ? last : `${commentMarker(stack, kind)}\n${tail(last, max - commentMarker(stack, kind).length - 1)}`;
}
/** The comment of a stack whose plan failed, so that no earlier plan's comment is taken for the current one. */
export function renderPlanError(options) {
  const max = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const head = [
    commentMarker(options.stack, options.kind),
    options.kind === 'drift' ? `### Drift check: ${code(options.stack)}` : `### Terraform plan: ${code(options.stack)}`,
    '',
    `> [!CAUTION]`,
    `> **The ${options.step ?? 'plan'} failed; there is no plan to review.** An earlier plan in this thread is out of date.`,
  ].join('\n');
  const footer = ['---', [options.runUrl ? `[workflow run](${options.runUrl})` : undefined, options.commitSha ? `commit ${code(options.commitSha.slice(0, 12))}` : undefined].filter(Boolean).join(' · ')].join('\n');
  const room = max - textLength(head) - textLength(footer) - 200;
  const log = tail(options.log.trim() === '' ? '(no output)' : options.log, Math.max(0, Math.min(room, 20_000)));
  return `${head}\n\n<details open><summary>Output (end)</summary>\n\n${fenced(log)}\n\n</details>\n\n${footer}\n`;
}
