/**
 * Terraform reads `${…}` and `%{…}` in any string as template syntax. IAM policy variables such as
 * `${aws:username}` must reach IAM literally, so literal sequences are doubled (`$${`, `%%{`). cdktf's own
 * token markers (`${TfToken[…]}`) are left alone: cdktf replaces them with real references.
 */
export function escapeTerraformTemplate(text: string): string {
  // In a replacement string "$$" stands for one "$".
  return text.replace(/\$\{(?!TfToken\[)/g, '$$$${').replace(/%\{/g, '%%{');
}
