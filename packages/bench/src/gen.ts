/**
 * `pnpm --filter @keyless/bench generate <repositories> [--shards N] [--out file.yaml]`: writes the generated
 * organisation the benchmark uses, for trying `keyless synth` and terraform on it by hand.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateOrg, orgYaml } from './generate.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  allowPositionals: true,
  options: { shards: { type: 'string' }, out: { type: 'string' }, environment: { type: 'string' } },
});
const n = Number(positionals[0]);
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write('usage: pnpm --filter @keyless/bench generate <repositories> [--shards N] [--environment NAME] [--out file.yaml]\n');
  process.exit(2);
}
const org = generateOrg(n, {
  ...(values.shards !== undefined ? { shards: Number(values.shards) } : {}),
  ...(values.environment !== undefined ? { environment: values.environment } : {}),
});
const yaml = orgYaml(org);
if (values.out === undefined) process.stdout.write(yaml);
else {
  const file = resolve(process.env['INIT_CWD'] ?? process.cwd(), values.out);
  writeFileSync(file, yaml);
  process.stderr.write(`${file}: ${org.stats.repositories} repositories, ${org.stats.roles} roles\n`);
}
