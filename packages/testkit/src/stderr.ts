/**
 * Capturing what code under test writes to standard error (an app entry's error lines), without printing it
 * into the test run's output.
 */

export interface CapturedStream {
  /** Everything written since the capture began. */
  text(): string;
  /** Puts the stream's own write back. */
  restore(): void;
}

/** Replaces process.stderr.write until restore() is called; call it in afterEach. */
export function captureStderr(): CapturedStream {
  const chunks: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stderr.write = original;
    },
  };
}
