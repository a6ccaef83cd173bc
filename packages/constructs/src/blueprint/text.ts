/**
 * How the text of a blueprint reaches Terraform, for both readers. Terraform reads every string of its JSON syntax
 * as a template, object keys included: `${…}` interpolates and `%{…}` runs a directive, anywhere in the string. A
 * value keyless took from the config must reach Terraform as the text keyless checked and reported, so every
 * literal string passes through `escapeTerraformTemplate` on its way out. IAM policy variables such as
 * `${aws:username}` are then literal too, as IAM expects them.
 *
 * The only unescaped `${…}` in the output are the references keyless writes itself: the blueprint's `Ref`s, which
 * the printer writes as `${type.name.attribute}` and the constructs as cdktf tokens that resolve to the same.
 */
import { type JsonText, Ref, Template } from './values.js';
import type { Text } from './values.js';

/**
 * Escapes Terraform template syntax: `${` becomes `$${` and `%{` becomes `%%{`, which Terraform renders as the
 * original text. Nothing is left alone, not even text that looks like a cdktf token: the config refuses
 * `TfToken[`, and the constructs pass a real token through without calling this.
 */
export function escapeTerraformTemplate(text: string): string {
  if (!text.includes('{')) return text;
  // In a replacement string "$$" stands for one "$".
  return text.replace(/\$\{/g, '$$$${').replace(/%\{/g, '%%{');
}

/** How one reader writes the text of a blueprint. */
export interface TextWriter {
  /** Literal text as Terraform must receive it (escaped). */
  readonly literal: (text: string) => string;
  /** A reference as Terraform syntax, `${aws_iam_role.x.arn}`, or a cdktf token that resolves to it. */
  readonly reference: (ref: Ref) => string;
}

/** A blueprint string value as the writer writes it. */
export function writeText(value: Text, writer: TextWriter): string {
  if (typeof value === 'string') return writer.literal(value);
  if (value instanceof Ref) return writer.reference(value);
  if (value instanceof Template) return writeTemplate(value, writer);
  return writeJsonText(value, writer);
}

function writeTemplate(template: Template, writer: TextWriter): string {
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? writer.literal(part) : writer.reference(part);
  return out;
}

/** How many `${` and `%{` the text holds. */
function templateStarts(text: string): number {
  let count = 0;
  for (let i = text.indexOf('{', 1); i !== -1; i = text.indexOf('{', i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (before === 36 || before === 37) count++;
  }
  return count;
}

/**
 * The JSON text of a document, formatted exactly as `JSON.stringify` formats it, with every string and key
 * escaped and every `Ref`/`Template` written as the writer writes references. Fast path, for thousands of trust
 * policies: when the only template sequences in the plain JSON are the ones the references brought, no string of
 * the document holds any, and the plain JSON is exactly what the careful writer writes.
 */
export function writeJsonText(text: JsonText, writer: TextWriter): string {
  const outer = active;
  active = { writer, own: 0 };
  try {
    // Ref and Template write themselves through toJSON while `active` is set: much cheaper than a replacer.
    const plain = JSON.stringify(text.document);
    if (plain === undefined) return 'null';
    return templateStarts(plain) === active.own ? plain : carefulJson(text.document, writer);
  } finally {
    active = outer;
  }
}

/** The writer of the JSON text being written, and how many template sequences its references brought. */
let active: { readonly writer: TextWriter; own: number } | undefined;

/** `toJSON` of Ref and Template: themselves as the active writer writes them. */
export function referenceJson(value: Ref | Template): string {
  if (active === undefined) throw new Error('a reference is written by a reader of the blueprint, never by JSON.stringify alone');
  const written = value instanceof Ref ? active.writer.reference(value) : writeTemplate(value, active.writer);
  active.own += templateStarts(written);
  return written;
}

/** The careful writer: every string and key through `writer.literal`, references through the writer. */
export function carefulJson(value: unknown, writer: TextWriter): string {
  return writeJson(value, writer) ?? 'null';
}

function writeJson(value: unknown, writer: TextWriter): string | undefined {
  if (typeof value === 'string') return JSON.stringify(writer.literal(value));
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value !== 'object') return undefined;
  if (value instanceof Ref) return JSON.stringify(writer.reference(value));
  if (value instanceof Template) return JSON.stringify(writeTemplate(value, writer));
  if (Array.isArray(value)) return `[${value.map((item) => writeJson(item, writer) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const item = writeJson((value as Record<string, unknown>)[key], writer);
    if (item !== undefined) parts.push(`${JSON.stringify(escapeTerraformTemplate(key))}:${item}`);
  }
  return `{${parts.join(',')}}`;
}
