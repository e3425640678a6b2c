import { describe, expect, it, vi } from 'vitest';
import { stderrLogger } from '../../src/kernel';

/** The JSON lines written to standard error while `run` runs (nothing reaches the real stream). */
function stderrLines(run: () => void): Record<string, unknown>[] {
  const written: string[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
  try {
    run();
  } finally {
    write.mockRestore();
  }
  for (const chunk of written) expect(chunk.endsWith('\n')).toBe(true);
  return written.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
}

describe('stderrLogger()', () => {
  it('writes one JSON line per entry with its fields, the time, the level and the message', () => {
    const before = Date.now();
    const lines = stderrLines(() => {
      const log = stderrLogger('debug');
      log.debug('starting', { requestId: 'r-1' });
      log.info('started');
      log.warn('slow', { ms: 12 });
      log.error('failed', { code: 'TIMEOUT' });
    });
    expect(lines).toEqual([
      { requestId: 'r-1', time: expect.any(String), level: 'debug', message: 'starting' },
      { time: expect.any(String), level: 'info', message: 'started' },
      { ms: 12, time: expect.any(String), level: 'warn', message: 'slow' },
      { code: 'TIMEOUT', time: expect.any(String), level: 'error', message: 'failed' },
    ]);
    for (const { time } of lines) {
      expect(new Date(time as string).toISOString()).toBe(time);
      expect(Date.parse(time as string)).toBeGreaterThanOrEqual(before - 1);
    }
  });

  it('drops the entries below its level, and keeps those at it and above', () => {
    const levels = (level?: 'debug' | 'info' | 'warn' | 'error') =>
      stderrLines(() => {
        const log = level === undefined ? stderrLogger() : stderrLogger(level);
        log.debug('d');
        log.info('i');
        log.warn('w');
        log.error('e');
      }).map((line) => line.level);
    expect(levels()).toEqual(['info', 'warn', 'error']);
    expect(levels('debug')).toEqual(['debug', 'info', 'warn', 'error']);
    expect(levels('warn')).toEqual(['warn', 'error']);
    expect(levels('error')).toEqual(['error']);
  });
});
