// No cdktf import here: the fast synthesizer uses this file too.
/**
 * Terraform reads every string of its JSON syntax as a template, object keys included: `${…}` interpolates and
 * `%{…}` runs a directive, anywhere in the string. A value keyless took from the config must reach Terraform
 * as the text keyless checked and reported, so every such string passes through `escapeTerraformTemplate`
 * on its way out, in both synthesizers. IAM policy variables such as `${aws:username}` are then literal too,
 * as IAM expects them.
 *
 * The only unescaped `${…}` in the output are the references keyless writes itself: the fast synthesizer's
 * `ref()` strings and `TerraformExpression` values inside policy documents, cdktf tokens in the constructs.
 */

/**
 * Escapes Terraform template syntax: `${` becomes `$${` and `%{` becomes `%%{`, which Terraform renders as the
 * original text. Nothing is left alone, not even text that looks like a cdktf token: the config refuses
 * `TfToken[`, and a construct passes a real token through without calling this.
 */
export function escapeTerraformTemplate(text: string): string {
  if (!text.includes('{')) return text;
  // In a replacement string "$$" stands for one "$".
  return text.replace(/\$\{/g, '$$$${').replace(/%\{/g, '%%{');
}

const EXPRESSION = Symbol('keyless.terraformExpression');

/**
 * Text that is already Terraform syntax and written by keyless itself: a reference such as
 * `${aws_iam_role.x.arn}`, or a policy document whose strings were escaped and which holds such a reference.
 * Only keyless code creates these; a config value is always a plain string and is always escaped.
 */
export interface TerraformExpression {
  readonly [EXPRESSION]: string;
}

export function terraformExpression(text: string): TerraformExpression {
  return Object.freeze({ [EXPRESSION]: text });
}

export function isTerraformExpression(value: unknown): value is TerraformExpression {
  return typeof value === 'object' && value !== null && EXPRESSION in value;
}

/** The text of an expression. */
export function expressionText(expression: TerraformExpression): string {
  return expression[EXPRESSION];
}

/** A string map (tags) with every key and value escaped: Terraform reads object keys as templates too. */
export function escapeTerraformMap(map: Readonly<Record<string, string>>): Record<string, string> {
  // fromEntries defines own properties, so even a key "__proto__" stays a key.
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [escapeTerraformTemplate(key), escapeTerraformTemplate(value)]));
}

/**
 * The JSON text of a policy document for an attribute that Terraform reads as a template (`assume_role_policy`,
 * `policy`): formatted exactly as `JSON.stringify` formats it, with every string and key escaped and every
 * `TerraformExpression` written as it is.
 */
export function terraformPolicyJson(document: unknown): string {
  return writeJson(document) ?? 'null';
}

function writeJson(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(escapeTerraformTemplate(value));
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value !== 'object') return undefined;
  if (isTerraformExpression(value)) return JSON.stringify(expressionText(value));
  if (Array.isArray(value)) return `[${value.map((item) => writeJson(item) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const item = writeJson((value as Record<string, unknown>)[key]);
    if (item !== undefined) parts.push(`${JSON.stringify(escapeTerraformTemplate(key))}:${item}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * A trust policy's JSON text with its principal replaced: a reference to the provider keyless creates stays a
 * reference, an existing provider's ARN (from the config) is escaped like every other string.
 */
export function trustPolicyJson(
  document: { readonly Statement: readonly object[] },
  principal: string | TerraformExpression,
): string {
  const reference = isTerraformExpression(principal) ? expressionText(principal) : undefined;
  const withPrincipal = (federated: string | TerraformExpression) => ({
    ...document,
    Statement: document.Statement.map((statement) => ({ ...statement, Principal: { Federated: federated } })),
  });
  // Fast path, for thousands of roles: when the only template sequences in the plain JSON are the principal's
  // own references, there is nothing to escape and the plain JSON is exactly what the careful writer writes.
  const plain = JSON.stringify(withPrincipal(reference ?? principal));
  const live = plain.match(TEMPLATE_START)?.length ?? 0;
  const own = reference === undefined ? 0 : document.Statement.length * (reference.match(TEMPLATE_START)?.length ?? 0);
  return live === own ? plain : terraformPolicyJson(withPrincipal(principal));
}

const TEMPLATE_START = /[$%]\{/g;
