/**
 * The construct path, timed by the bench: `runApp` builds the cdktf construct tree (KeylessStack and its
 * constructs) from a config and synthesizes it, as an app that composes the constructs does.
 *
 *   node scripts/run.mjs packages/bench/src/construct-app.ts -- CONFIG OUTDIR
 */
import { runApp } from '@keyless/constructs';

const [configFile, outdir] = process.argv.slice(2);
if (configFile === undefined || outdir === undefined) {
  process.stderr.write('usage: node scripts/run.mjs packages/bench/src/construct-app.ts -- CONFIG OUTDIR\n');
  process.exitCode = 2;
} else {
  const started = performance.now();
  runApp({ configFile, outdir });
  process.stderr.write(`runApp: ${Math.round(performance.now() - started)} ms\n`);
}
