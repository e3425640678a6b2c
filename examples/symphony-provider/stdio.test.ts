import { describe, expect, it } from 'vitest';
import { syncTextSink } from './stdio';

describe('syncTextSink: one document written whole and synchronously', () => {
  it('writes every byte through partial writes and a full non-blocking pipe (EAGAIN), in order', () => {
    const written: Buffer[] = [];
    let calls = 0;
    const sink = syncTextSink(1, (fd, data, offset) => {
      expect(fd).toBe(1);
      calls += 1;
      if (calls % 3 === 0) throw Object.assign(new Error('pipe full'), { code: 'EAGAIN' });
      const part = data.subarray(offset, Math.min(offset + 5, data.length)); // at most 5 bytes at a time
      written.push(Buffer.from(part));
      return part.length;
    });
    sink.write('{ "message": "héllo wörld" }\n');
    expect(Buffer.concat(written).toString('utf8')).toBe('{ "message": "héllo wörld" }\n');
    expect(calls).toBeGreaterThan(6);
  });

  it('throws other write errors (a closed pipe) instead of looping', () => {
    const sink = syncTextSink(1, () => {
      throw Object.assign(new Error('broken pipe'), { code: 'EPIPE' });
    });
    expect(() => sink.write('x')).toThrow('broken pipe');
  });
});
