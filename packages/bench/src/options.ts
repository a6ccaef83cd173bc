/** The options of `pnpm bench`. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Above this many repositories the stock path is skipped unless --skip-stock-above says otherwise. At 10,000 it
 * takes about 1.5 minutes and 2.4 GB here, so the default sizes run it; 100,000 would take far longer.
 */
export const DEFAULT_SKIP_STOCK_ABOVE = 10_000;

export const USAGE = `usage: pnpm bench [-- options]
  --sizes 100,1000,10000     generated organisations (repositories); 0 or "none" for none
  --examples dev,prod,bootstrap  example apps; "none" for none
  --shards 16                also a sharded variant (sharding: {by: hash, shards}) of every size >= 10000; 0 = none
  --runs-small 3             runs per engine for the example apps and sizes < 1000 (median reported)
  --runs-large 1             runs per engine for sizes >= 1000
  --runs N                   both of the above
  --skip-stock-above ${DEFAULT_SKIP_STOCK_ABOVE}  skip the stock path above this many repositories (about 1.5 min and 2.4 GB at 10,000)
  --stock-sharded            also run the stock path on the sharded variants (same roles as the unsharded case)
  --no-stock                 keyless only
  --no-commands              skip what users run: pnpm synth (cold and warm), cdktf synth in an app, the construct path
  --cdktf-app dev            the app whose cdktf synth is timed; "none" for none
  --construct-sizes 1000,10000  generated organisations for the construct path (runApp); "none" for none
  --terraform                also terraform validate + offline plan of sizes >= 1000, one stack and per shard (slow)
  --json FILE                write every measurement as JSON
  --markdown                 print the tables as markdown (for the README)
  --keep                     keep the work directory`;

export interface Options {
  sizes: number[];
  examples: string[];
  shards: number;
  runsSmall: number;
  runsLarge: number;
  skipStockAbove: number;
  stock: boolean;
  stockSharded: boolean;
  commands: boolean;
  cdktfApp: string | undefined;
  constructSizes: number[];
  terraform: boolean;
  json?: string;
  markdown: boolean;
  keep: boolean;
}

function parseList(text: string): string[] {
  return text === 'none' || text === '' ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function positiveInt(name: string, text: string, allowZero = false): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`--${name}: expected ${allowZero ? 'a non-negative' : 'a positive'} integer, got "${text}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      sizes: { type: 'string', default: '100,1000,10000' },
      examples: { type: 'string', default: 'dev,prod,bootstrap' },
      shards: { type: 'string', default: '16' },
      runs: { type: 'string' },
      'runs-small': { type: 'string', default: '3' },
      'runs-large': { type: 'string', default: '1' },
      'skip-stock-above': { type: 'string', default: String(DEFAULT_SKIP_STOCK_ABOVE) },
      'no-stock': { type: 'boolean', default: false },
      'stock-sharded': { type: 'boolean', default: false },
      'no-commands': { type: 'boolean', default: false },
      'cdktf-app': { type: 'string', default: 'dev' },
      'construct-sizes': { type: 'string', default: '1000,10000' },
      terraform: { type: 'boolean', default: false },
      json: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const sizes = parseList(values.sizes).map((s) => positiveInt('sizes', s, true)).filter((n) => n > 0);
  const examples = parseList(values.examples);
  for (const e of examples) if (!['dev', 'prod', 'bootstrap'].includes(e)) throw new Error(`--examples: unknown example app "${e}" (dev, prod, bootstrap)`);
  if (!/^[A-Za-z0-9_-]+$/.test(values['cdktf-app'])) throw new Error(`--cdktf-app: "${values['cdktf-app']}" is not an app directory name`);
  const runsSmall = values.runs !== undefined ? positiveInt('runs', values.runs) : positiveInt('runs-small', values['runs-small']);
  const runsLarge = values.runs !== undefined ? positiveInt('runs', values.runs) : positiveInt('runs-large', values['runs-large']);
  return {
    sizes,
    examples,
    shards: positiveInt('shards', values.shards, true),
    runsSmall,
    runsLarge,
    skipStockAbove: positiveInt('skip-stock-above', values['skip-stock-above'], true),
    stock: !values['no-stock'],
    stockSharded: values['stock-sharded'],
    commands: !values['no-commands'],
    cdktfApp: values['cdktf-app'] === 'none' ? undefined : values['cdktf-app'],
    constructSizes: parseList(values['construct-sizes']).map((s) => positiveInt('construct-sizes', s)),
    terraform: values.terraform,
    ...(values.json !== undefined ? { json: resolve(process.env['INIT_CWD'] ?? process.cwd(), values.json) } : {}),
    markdown: values.markdown,
    keep: values.keep,
  };
}
