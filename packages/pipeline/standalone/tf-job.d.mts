// Types of tf-job.mjs.
export interface TfJobIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Record<string, string | undefined>;
}
/** Runs one command; returns the exit code. */
export declare function run(argv: readonly string[], io?: TfJobIo): number;
