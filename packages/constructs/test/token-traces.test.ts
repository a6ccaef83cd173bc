import { afterEach, describe, expect, it, vi } from 'vitest';
import { withoutTokenTraces } from '../src/app/run-app.js';

describe('withoutTokenTraces (the construct path skips formatting the traces cdktf captures per token)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('formats stack traces as empty text while it runs, and restores the formatter after', () => {
    const before = Error.prepareStackTrace;
    expect(withoutTokenTraces(() => new Error('x').stack)).toBe('');
    expect(Error.prepareStackTrace).toBe(before);
    expect(new Error('y').stack).toContain('y');
  });

  it('restores the formatter when the build throws', () => {
    const before = Error.prepareStackTrace;
    expect(() => withoutTokenTraces(() => { throw new Error('bad config'); })).toThrow('bad config');
    expect(Error.prepareStackTrace).toBe(before);
  });

  it('keeps traces with KEYLESS_DEBUG', () => {
    vi.stubEnv('KEYLESS_DEBUG', '1');
    expect(withoutTokenTraces(() => new Error('z').stack)).toContain('z');
  });
});
