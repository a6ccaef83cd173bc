import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAuditCommand, type AuditCommandContext } from '../src/index.js';
import { loadManifest, startReplayServer, type ReplayServer } from './support/replay-server.mjs';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const RATE_LIMIT_RESET = 1780000000;
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(args: string[], live?: AuditCommandContext['live']): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAuditCommand(args[0] as string, args.slice(1), { cwd: fixtures, env: {}, stdout: (t) => (out += t), stderr: (t) => (err += t), ...(live ? { live } : {}) });
  return { code, out, err };
}

describe('live mode against recorded responses', () => {
  it('gives the same JSON report as the files', async () => {
    server = await startReplayServer([...loadManifest(join(fixtures, 'live/iam/manifest.json')), ...loadManifest(join(fixtures, 'live/github/manifest.json'))]);
    const sleeps: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push(ms);
    };
    const live = await run(['audit', '--aws', '--github-org', 'octo-org', '--json', '--as-of', '2026-06-01'], {
      aws: { endpoint: server.url, credentials: { accessKeyId: 'AKIDREPLAY', secretAccessKey: 'replay' }, reportPollMs: 0, sleep },
      github: { baseUrl: server.url, token: 'ghs_replay', sleep, now: () => RATE_LIMIT_RESET * 1000 - 5000 },
    });
    const files = await run(['audit', '--iam', 'authorization-details.json', '--credential-report', 'credential-report.csv', '--workflows', 'repos', '--json', '--as-of', '2026-06-01']);
    console.log(live.err, server.unmatched);
    expect(server.unmatched).toEqual([]);
    expect(live.code).toBe(files.code);
    expect(JSON.parse(live.out)).toEqual(JSON.parse(files.out));
    expect(live.out).toBe(files.out);
    console.log(sleeps);
  });
});
