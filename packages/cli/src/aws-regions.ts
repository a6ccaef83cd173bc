/**
 * AWS partitions and regions from the endpoint data of the AWS SDK for JavaScript that is already installed
 * (@aws-sdk/client-iam, a dependency of @keyless/audit, brings @aws-sdk/core and its `partitions.json`): the
 * same list the SDK resolves endpoints from, read offline. A region typo (`ap-northest-2`) passes synth, explain
 * and an offline plan and fails only at apply; this finds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { didYouMean } from '@keyless/policy';

export interface AwsPartition {
  readonly id: string;
  /** The SDK's pattern for region names of this partition, as a regular expression source. */
  readonly regionRegex: string;
  /** Region names, without the `*-global` pseudo regions. */
  readonly regions: readonly string[];
}

export interface AwsEndpointData {
  /** What the data is: `@aws-sdk/core 3.981.2`, named in messages. */
  readonly source: string;
  readonly partitions: readonly AwsPartition[];
}

/** Where @aws-sdk/core keeps partitions.json as a module (its ES build; the package is not "type": "module"). */
const PARTITIONS_MODULE = join('dist-es', 'submodules', 'client', 'util-endpoints', 'lib', 'aws', 'partitions.js');

let cached: AwsEndpointData | null | undefined;

/** The directory of @aws-sdk/core, found through @keyless/audit and @aws-sdk/client-iam (pnpm keeps it there). */
function sdkCoreDirectory(): string | undefined {
  try {
    const here = createRequire(import.meta.url);
    const audit = here.resolve('@keyless/audit');
    const client = createRequire(audit).resolve('@aws-sdk/client-iam');
    return dirname(createRequire(client).resolve('@aws-sdk/core/package.json'));
  } catch {
    return undefined;
  }
}

/** Reads the endpoint data of an @aws-sdk/core directory; undefined when it is not there or not as expected. */
export function readEndpointData(coreDirectory: string): AwsEndpointData | undefined {
  const file = join(coreDirectory, PARTITIONS_MODULE);
  if (!existsSync(file)) return undefined;
  try {
    const text = readFileSync(file, 'utf8');
    const json = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as {
      partitions?: { id?: unknown; regionRegex?: unknown; regions?: Record<string, unknown> }[];
    };
    const version = (JSON.parse(readFileSync(join(coreDirectory, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown version';
    const partitions = (json.partitions ?? []).flatMap((p): AwsPartition[] =>
      typeof p.id === 'string' && typeof p.regionRegex === 'string' && p.regions
        ? [{ id: p.id, regionRegex: p.regionRegex, regions: Object.keys(p.regions).filter((r) => !r.endsWith('-global')).sort() }]
        : [],
    );
    if (!partitions.some((p) => p.id === 'aws' && p.regions.length > 0)) return undefined;
    return { source: `@aws-sdk/core ${version}`, partitions };
  } catch {
    return undefined;
  }
}

/** The installed SDK's endpoint data, or undefined when it cannot be found (keyless check then says so). */
export function awsEndpointData(): AwsEndpointData | undefined {
  if (cached === undefined) {
    const dir = sdkCoreDirectory();
    cached = (dir !== undefined ? readEndpointData(dir) : undefined) ?? null;
  }
  return cached ?? undefined;
}

/**
 * The rule a region breaks in a partition, or undefined when the SDK knows it there: an unknown region (with the
 * closest known names), or a region of another partition.
 */
export function checkRegion(region: string, partition: string, data: AwsEndpointData): string | undefined {
  const home = data.partitions.find((p) => p.regions.includes(region));
  if (home?.id === partition) return undefined;
  if (home) return `${region} is a region of the ${home.id} partition, and this config's partition is ${partition}; set aws.partition: ${home.id}, or use a region of ${partition}`;
  const own = data.partitions.find((p) => p.id === partition);
  const candidates = own ? own.regions : data.partitions.flatMap((p) => p.regions);
  const hint = didYouMean(region, candidates);
  return `not a region of the ${partition} partition in the AWS SDK's endpoint data (${data.source}; a region newer than that needs a newer SDK)${hint ? `; ${hint}` : ''}`;
}
