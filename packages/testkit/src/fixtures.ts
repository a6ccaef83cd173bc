/**
 * Fixture configs for package tests: a frozen copy of the example organisation (octo-org), so that tests do
 * not depend on `apps/*` being the examples (an adopter replaces those). See fixtures/README.md.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fixtures directory of this package. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

const OCTO_ORG_ROOT = join(FIXTURES_DIR, 'octo-org');

/** The octo-org fixture: a workspace-shaped directory with the dev and prod access configs and a bootstrap config. */
export const octoOrg = {
  /** The directory holding `apps/` (not a workspace by itself: no pnpm-workspace.yaml; see octoOrgWorkspace). */
  root: OCTO_ORG_ROOT,
  /** apps/dev/access.yaml: account 111111111111, seven repositories, every subject form. */
  dev: join(OCTO_ORG_ROOT, 'apps', 'dev', 'access.yaml'),
  /** apps/prod/access.yaml: account 222222222222, environments with reviewers, tag releases. */
  prod: join(OCTO_ORG_ROOT, 'apps', 'prod', 'access.yaml'),
  /** apps/bootstrap/bootstrap.yaml: accounts dev (111111111111) and prod (222222222222), infra repository octo-infra. */
  bootstrap: join(OCTO_ORG_ROOT, 'apps', 'bootstrap', 'bootstrap.yaml'),
} as const;

/**
 * Copies the octo-org fixture into a directory (a new temporary one by default) and makes it a workspace root
 * (a pnpm-workspace.yaml listing `apps/*`), so that commands that look for the workspace (`keyless explain
 * dev`, `keyless-pipeline access-report`) find these apps and not the repository's. Returns the root; the
 * caller removes it.
 */
export function octoOrgWorkspace(dir: string = mkdtempSync(join(tmpdir(), 'keyless-octo-org-'))): string {
  cpSync(join(OCTO_ORG_ROOT, 'apps'), join(dir, 'apps'), { recursive: true });
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - apps/*\n');
  return dir;
}
