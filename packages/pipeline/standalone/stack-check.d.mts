// Types of stack-check.mjs.

/** The providers a keyless stack may use, by registry source. */
export declare const ALLOWED_PROVIDERS: readonly string[];
export declare function sha256(text: string): string;
/** `registry.terraform.io/<namespace>/<name>` for a `required_providers` source. */
export declare function providerAddress(source: string): string;
/** The provider entries of a `.terraform.lock.hcl`: address → version and hashes. */
export declare function parseLockFile(text: string): Map<string, { readonly version: string | undefined; readonly hashes: readonly string[] }>;
/** Problems of a synthesized stack for a terraform job; empty when it may be planned. */
export declare function checkStack(input: { readonly configText: string; readonly expectedSha256?: string; readonly lockText?: string }): string[];
/** Addresses of the stack's managed resources outside the GitHub provider. */
export declare function planTargets(config: unknown): string[];
/** The repositories a stack's GitHub resources touch, in the configuration and the state. */
export declare function repositoriesOf(config: unknown, state?: unknown): { repositories: string[]; problems: string[] };
