// keyless diagnose: text from outside made safe for where it goes: one log line, a Markdown code span, a POSIX
// shell word, a workflow command's message. Claim values name branches, environments and workflows that anyone
// who can push may choose, so none of them may add a line, a table cell, a workflow command or shell syntax.

/** A claim value or any text from outside as one line. */
export function oneLine(value) {
  return String(value).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/** A Markdown code span that holds the value literally, whatever backticks it contains. */
export function code(value) {
  const s = oneLine(value);
  if (s === '') return '*(empty)*';
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || s.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Markdown code spans as plain text, for the log. */
export function plain(markdown) {
  return markdown.replace(/(`+)( ?)([\s\S]*?)\2\1/g, '$3');
}

/** POSIX shell single quotes: everything literal, `'` written as `'\''`. */
export function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** A workflow command's message, escaped as @actions/core escapes it. */
export function escapeData(s) {
  return String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
