import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { accessReport, buildAccessModel, parseAccessConfigYaml } from '@keyless/policy';
import type { AccessReport } from '@keyless/policy';
import type { PlanJson } from '../src/index.js';

/** The workspace root. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The octo-org fixture configs (apps/{dev,prod}/access.yaml, apps/bootstrap/bootstrap.yaml), not this repository's apps/. */
export const OCTO_ORG = fileURLToPath(new URL('../../testkit/fixtures/octo-org', import.meta.url));

/** The real plans made by scripts/make-fixtures.ts (dev-create is the base every variant was planned against). */
export type FixtureName = 'dev-create' | 'dev-unchanged' | 'dev-destroy' | 'dev-replace' | 'dev-access';

export interface Fixture {
  readonly plan: PlanJson;
  readonly text: string;
  readonly config: string;
}

export function fixture(name: FixtureName): Fixture {
  const file = (f: string) => fileURLToPath(new URL(`./fixtures/${name}/${f}`, import.meta.url));
  return {
    plan: JSON.parse(readFileSync(file('plan.json'), 'utf8')) as PlanJson,
    text: readFileSync(file('plan.txt'), 'utf8'),
    config: readFileSync(file('access.yaml'), 'utf8'),
  };
}

/** The access report of an access config, as `keyless explain --json` computes it. */
export function reportOf(configText: string): AccessReport {
  return accessReport(buildAccessModel(parseAccessConfigYaml(configText, 'access.yaml'), 'access.yaml'));
}

/** The base config's report and a variant's. */
export function reports(name: FixtureName): { base: AccessReport; head: AccessReport } {
  return { base: reportOf(fixture('dev-create').config), head: reportOf(fixture(name).config) };
}

/** Terraform's own summary line in `terraform show` output. */
export function terraformSummaryLine(text: string): string {
  const line = text.split('\n').find((l) => /^(Plan: |No changes\.)/.test(l));
  if (!line) throw new Error('no summary line in the plan text');
  return line.trim();
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
