/**
 * Reading the audit's inputs from files: the authorization details, the credential report, and folders of
 * repositories' workflows (`DIR/OWNER/REPO/.github/workflows`, or `OWNER/REPO=PATH` for one checkout).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkOwnerName, checkRepositoryName } from '@keyless/policy';
import { AuditInputError, cmp } from './errors.js';
import { parseAuthorizationDetails, type IamInventory } from './iam.js';
import { parseCredentialReport, type CredentialReport } from './credential-report.js';
import type { RepositoryFiles, SourceFile } from './workflows.js';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AuditInputError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : `cannot be read (${code ?? (error as Error).message})`);
  }
}

export function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AuditInputError(path, `not valid JSON: ${(error as Error).message}`);
  }
}

export function loadIamFile(path: string): IamInventory {
  return parseAuthorizationDetails(readJson(path), path);
}

export function loadCredentialReportFile(path: string): CredentialReport {
  return parseCredentialReport(readText(path), path);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !isDir(join(dir, f))).sort(cmp);
}

/** Reads one repository checkout (the folder that holds `.github`). */
export function readRepositoryFolder(repository: string, root: string): RepositoryFiles {
  const workflowsDir = join(root, '.github', 'workflows');
  const workflows: SourceFile[] = isDir(workflowsDir)
    ? yamlFiles(workflowsDir).map((f) => ({ path: `.github/workflows/${f}`, text: readText(join(workflowsDir, f)) }))
    : [];
  const actionsDir = join(root, '.github', 'actions');
  const actions: SourceFile[] = [];
  if (isDir(actionsDir)) {
    for (const name of readdirSync(actionsDir).sort(cmp)) {
      for (const file of ['action.yml', 'action.yaml']) {
        const path = join(actionsDir, name, file);
        if (existsSync(path)) {
          actions.push({ path: `.github/actions/${name}/${file}`, text: readText(path) });
          break;
        }
      }
    }
  }
  return { repository, workflows, actions };
}

function checkRepository(spec: string, repository: string): void {
  const [owner = '', repo = '', ...rest] = repository.split('/');
  const problem = rest.length > 0 ? 'a repository is OWNER/REPO' : checkOwnerName(owner) ?? checkRepositoryName(repo);
  if (problem) throw new AuditInputError(spec, `${JSON.stringify(repository)} is not a repository name: ${problem}`);
}

/**
 * Resolves `--workflows` arguments. `OWNER/REPO=PATH` is one repository at PATH (its checkout, or its
 * `.github/workflows` folder); any other argument is a folder of `OWNER/REPO/.github/workflows` folders.
 */
export function loadWorkflowFolders(specs: readonly string[]): RepositoryFiles[] {
  const out: RepositoryFiles[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq > 0 && /^[^/=]+\/[^/=]+$/.test(spec.slice(0, eq))) {
      const repository = spec.slice(0, eq);
      checkRepository(spec, repository);
      let path = spec.slice(eq + 1);
      if (!isDir(path)) throw new AuditInputError(path, `no such directory (from --workflows ${spec})`);
      // The workflows folder itself: read it from the checkout two levels up.
      if (!isDir(join(path, '.github')) && /[/\\]\.github[/\\]workflows[/\\]?$/.test(path)) path = join(path, '..', '..');
      if (!isDir(join(path, '.github', 'workflows'))) throw new AuditInputError(path, 'has no .github/workflows folder');
      out.push(readRepositoryFolder(repository, path));
      continue;
    }
    if (!isDir(spec)) throw new AuditInputError(spec, 'no such directory (--workflows takes a folder of OWNER/REPO folders, or OWNER/REPO=PATH)');
    const found: RepositoryFiles[] = [];
    for (const owner of readdirSync(spec).sort(cmp)) {
      if (!isDir(join(spec, owner))) continue;
      for (const repo of readdirSync(join(spec, owner)).sort(cmp)) {
        const root = join(spec, owner, repo);
        if (!isDir(join(root, '.github', 'workflows'))) continue;
        checkRepository(join(spec, owner, repo), `${owner}/${repo}`);
        found.push(readRepositoryFolder(`${owner}/${repo}`, root));
      }
    }
    if (found.length === 0) throw new AuditInputError(spec, 'no OWNER/REPO/.github/workflows folders in it; for a single checkout give OWNER/REPO=PATH');
    out.push(...found);
  }
  const seen = new Set<string>();
  for (const r of out) {
    const k = r.repository.toLowerCase();
    if (seen.has(k)) throw new AuditInputError('--workflows', `repository ${r.repository} is given twice`);
    seen.add(k);
  }
  return out.sort((a, b) => cmp(a.repository, b.repository));
}
