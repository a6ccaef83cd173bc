/**
 * Wall time and peak memory of a command and everything it starts.
 *
 * Method `time`: GNU time (`/usr/bin/time -f '%e %M'`): elapsed seconds and the maximum resident set size
 * of the command or any descendant it waited for (the kernel's RUSAGE_CHILDREN ru_maxrss: the largest single
 * process of the tree, not the sum of processes that ran at the same time).
 * Method `poll`: when GNU time is missing, /proc is sampled every 50 ms: VmHWM (the kernel's own peak RSS)
 * of every process of the tree, the largest kept, so that the number means the same as GNU time's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export type MemoryMethod = 'time' | 'poll';

export interface Measurement {
  readonly seconds: number;
  /** Peak RSS in MiB (of the largest single process of the tree). */
  readonly peakMb: number;
  /** User + system CPU seconds of the tree (GNU time %U + %S); less sensitive to other load than wall time. */
  readonly cpuSeconds?: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly method: MemoryMethod;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the tree after this many ms. @default 3_600_000 */
  readonly timeoutMs?: number;
}

/** Whether GNU time is installed (busybox or the shell keyword do not understand -f/-o the same way). */
export function gnuTimeAvailable(path = GNU_TIME): boolean {
  if (!existsSync(path)) return false;
  const r = spawnSync(path, ['-f', '%e %M', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+(\.\d+)? \d+\s*$/m.test(r.stderr);
}

export function memoryMethod(): MemoryMethod {
  return gnuTimeAvailable() ? 'time' : 'poll';
}

export const MEMORY_METHOD_NOTE: Record<MemoryMethod, string> = {
  time: 'peak RSS by GNU time (/usr/bin/time -f %M): the largest single process of the tree',
  poll:
    'peak RSS by polling /proc/<pid>/status VmHWM of the process tree every 50 ms (GNU time is missing; ' +
    'install it with `apt-get install time` for the exact number): the largest single process of the tree',
};

/** The format handed to GNU time: elapsed seconds, max RSS KiB, user and system CPU seconds. */
export const GNU_TIME_FORMAT = '%e %M %U %S';

/** Parses the last `<seconds> <maxrss KiB> [<user s> <sys s>]` line GNU time wrote. */
export function parseGnuTime(text: string): { seconds: number; peakKb: number; cpuSeconds?: number } {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const m = /^(\d+(?:\.\d+)?) (\d+)(?: (\d+(?:\.\d+)?) (\d+(?:\.\d+)?))?$/.exec(line.trim());
    if (m) return { seconds: Number(m[1]), peakKb: Number(m[2]), ...(m[3] !== undefined ? { cpuSeconds: Math.round((Number(m[3]) + Number(m[4])) * 100) / 100 } : {}) };
  }
  throw new Error(`could not read GNU time's output: ${JSON.stringify(text.slice(-300))}`);
}

/** Runs a command to completion and measures it. */
export async function measure(command: string, args: readonly string[], options: RunOptions): Promise<Measurement> {
  const method = memoryMethod();
  return method === 'time' ? measureWithTime(command, args, options) : measureWithPoll(command, args, options);
}

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], options: RunOptions, onStart?: (pid: number) => void): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout = (stdout + d).slice(-200_000);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-200_000);
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, options.timeoutMs ?? 3_600_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('spawn', () => {
      if (child.pid !== undefined) onStart?.(child.pid);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

export async function measureWithTime(command: string, args: readonly string[], options: RunOptions): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-bench-time-'));
  const out = join(dir, 'time.txt');
  try {
    const r = await run(GNU_TIME, ['-f', GNU_TIME_FORMAT, '-o', out, command, ...args], options);
    const t = parseGnuTime(readFileSync(out, 'utf8'));
    return {
      seconds: t.seconds,
      peakMb: t.peakKb / 1024,
      ...(t.cpuSeconds !== undefined ? { cpuSeconds: t.cpuSeconds } : {}),
      exitCode: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
      method: 'time',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Children of every process, from /proc/<pid>/stat (field 4 is the parent pid). */
function processTree(root: number): number[] {
  const parent = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parent.get(ppid) ?? [];
      list.push(Number(entry));
      parent.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(parent.get(pid) ?? []));
  }
  return out;
}

function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export async function measureWithPoll(command: string, args: readonly string[], options: RunOptions): Promise<Measurement> {
  let peakKb = 0;
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const r = await run(command, args, options, (pid) => {
    const sample = (): void => {
      for (const p of processTree(pid)) peakKb = Math.max(peakKb, vmHwmKb(p));
    };
    sample();
    timer = setInterval(sample, 50);
  });
  if (timer) clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakMb: peakKb / 1024, exitCode: r.code, stdout: r.stdout, stderr: r.stderr, method: 'poll' };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
