/**
 * `pnpm keyless …`: the command line from the bundle scripts/run.mjs caches, so that a command starts without
 * tsx (packages/cli/bin/keyless.mjs, the package's own bin, runs the same main through tsx). The audit
 * commands' dependencies (AWS SDK, Octokit) sit in a chunk of their own, loaded only when one of them runs.
 */
import { main } from '../packages/cli/src/index.ts';

// No top-level await: the entry then runs from run.mjs's code-cached CommonJS bundle.
main(process.argv.slice(2), { cwd: process.env['INIT_CWD'] ?? process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`keyless: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
