import { Token } from 'cdktf';
import { escapeTerraformTemplate } from './terraform-escape.js';

/**
 * A string prop as Terraform must receive it: escaped (`${` → `$${`, `%{` → `%%{`) so that it renders as
 * written, unless it is a cdktf token, which is a reference the app made on purpose. The access config
 * refuses text that looks like a token (`TfToken[`), so a config value is never mistaken for one.
 */
export function literal(value: string): string {
  return Token.isUnresolved(value) ? value : escapeTerraformTemplate(value);
}

/** A string map (tags) for Terraform: keys are templates too, so both keys and values are escaped. */
export function literalMap(map: Readonly<Record<string, string>>): Record<string, string> {
  // fromEntries defines own properties, so even a key "__proto__" stays a key.
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [escapeTerraformTemplate(key), literal(value)]));
}
