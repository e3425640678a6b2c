import 'reflect-metadata';
import { IsString, MinLength } from 'class-validator';
import { describe, expect, it, vi } from 'vitest';
import {
  Command,
  createKernel,
  KernelError,
  isKernelError,
  logging,
  retry,
  timeout,
  validation,
  type DispatchContext,
  type Logger,
  type Middleware,
} from '../../src/kernel';
import { CountLetters, Greet } from './fixtures';

function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('middleware', () => {
  it('runs in registration order, the first outermost, around the handler', async () => {
    const trace: string[] = [];
    const mark =
      (name: string): Middleware =>
      async (_ctx, next) => {
        trace.push(`${name}>`);
        const result = await next();
        trace.push(`<${name}`);
        return result;
      };
    const k = createKernel({ handlers: [], middleware: [mark('a'), mark('b')] });
    k.commands.register(Greet, { handle: (c) => (trace.push('handler'), c.name) });
    await k.commands.execute(Greet.of('x'));
    expect(trace).toEqual(['a>', 'b>', 'handler', '<b', '<a']);
    k.dispose();
  });

  it('gives middleware the dispatch context', async () => {
    let seen: DispatchContext | undefined;
    const k = createKernel({ handlers: [], middleware: [(ctx, next) => ((seen = ctx), next())] });
    k.queries.register(CountLetters, { handle: () => 1 });
    const query = CountLetters.from({ text: 'a' });
    const signal = new AbortController().signal;
    await k.queries.execute(query, { correlationId: 'corr-1', metadata: { tenant: 't1' }, signal });
    expect(seen).toMatchObject({
      kind: 'query',
      message: query,
      messageName: 'CountLetters',
      correlationId: 'corr-1',
      metadata: { tenant: 't1' },
      signal,
      container: k.container,
    });
    expect(typeof seen?.startedAt).toBe('number');
    k.dispose();
  });

  it('validates by default, so an invalid message never reaches its handler', async () => {
    const handle = vi.fn();
    const k = createKernel({ handlers: [] });
    k.commands.register(Greet, { handle });
    const error = await k.commands.execute(Greet.of('')).catch((e: unknown) => e);
    expect(isKernelError(error, 'VALIDATION_FAILED')).toBe(true);
    expect(handle).not.toHaveBeenCalled();
    k.dispose();
  });

  it('skips validation when asked to', async () => {
    const k = createKernel({ handlers: [], validation: false });
    k.commands.register(Greet, { handle: (c) => c.name });
    await expect(k.commands.execute(Greet.of(''))).resolves.toBe('');
    k.dispose();
  });

  it('adds validation only once when the host lists it', async () => {
    const validate = vi.spyOn(Greet.prototype, 'validate');
    const k = createKernel({ handlers: [], middleware: [validation()] });
    k.commands.register(Greet, { handle: (c) => c.name });
    await k.commands.execute(Greet.of('x'));
    expect(validate).toHaveBeenCalledTimes(1);
    validate.mockRestore();
    k.dispose();
  });

  it('validates a message class that does not extend Command or Query, by its class-validator decorators', async () => {
    class PlainGreet {
      @IsString()
      @MinLength(1)
      name = '';
    }
    const handle = vi.fn();
    const k = createKernel({ handlers: [] });
    k.commands.register(PlainGreet as never, { handle });
    const error = await k.commands.execute(new PlainGreet() as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { subject: 'PlainGreet' } });
    expect(handle).not.toHaveBeenCalled();
    k.dispose();
  });

  it('lets validation() run as a plain middleware too: it checks the message, then calls next', async () => {
    const next = vi.fn(async () => 'next ran');
    const context = (message: unknown) => ({ kind: 'command', messageName: 'Greet', message }) as unknown as DispatchContext;
    await expect(validation()(context(Greet.of('ok')), next)).resolves.toBe('next ran');
    expect(() => validation()(context(Greet.of('')), next)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(next).toHaveBeenCalledTimes(1);
  });

  describe('logging()', () => {
    it('logs name, outcome and duration but never the body by default', async () => {
      const { logger, lines } = recordingLogger();
      const k = createKernel({ handlers: [], middleware: [logging(logger)] });
      k.commands.register(Greet, { handle: (c) => c.name });
      k.queries.register(CountLetters, { handle: () => new Promise((resolve) => setTimeout(() => resolve(1), 20)) });
      await k.commands.execute(Greet.of('secret-name'), { correlationId: 'c1' });
      const startedAt = performance.now();
      await k.queries.execute(CountLetters.from({ text: 'a' }));
      const elapsed = performance.now() - startedAt;
      expect(lines.map((l) => l.message)).toEqual(['command Greet succeeded', 'query CountLetters succeeded']);
      expect(lines[1]?.fields?.durationMs).toBeGreaterThanOrEqual(10);
      expect(lines[1]?.fields?.durationMs).toBeLessThanOrEqual(elapsed);
      lines.pop();
      expect(lines[0]?.fields).toMatchObject({ kind: 'command', messageName: 'Greet', outcome: 'success', correlationId: 'c1' });
      expect(JSON.stringify(lines)).not.toContain('secret-name');
      k.dispose();
    });

    it('logs failures with their code and includes bodies only when asked', async () => {
      const { logger, lines } = recordingLogger();
      const k = createKernel({ handlers: [], middleware: [logging(logger, { includeBodies: true })] });
      k.commands.register(Greet, {
        handle: () => {
          throw new KernelError('PROVIDER_ERROR', 'cloud down');
        },
      });
      await expect(k.commands.execute(Greet.of('body-value'))).rejects.toThrow('cloud down');
      expect(lines[0]).toMatchObject({ level: 'warn', fields: { outcome: 'failure', code: 'PROVIDER_ERROR' } });
      expect(JSON.stringify(lines)).toContain('body-value');
      k.dispose();
    });

    it('logs an error of another library as UNEXPECTED with its text, and every line with a duration', async () => {
      const { logger, lines } = recordingLogger();
      const k = createKernel({ handlers: [], middleware: [logging(logger)] });
      k.commands.register(Greet, { handle: () => Promise.reject(new TypeError('x is not a function')) });
      k.queries.register(CountLetters, { handle: () => Promise.reject('a bare string') });
      const startedAt = performance.now();
      await expect(k.commands.execute(Greet.of('a'))).rejects.toThrow('x is not a function');
      expect(lines[0]?.fields?.durationMs).toBeLessThanOrEqual(performance.now() - startedAt);
      await expect(k.queries.execute(CountLetters.from({ text: 'a' }))).rejects.toBe('a bare string');
      expect(lines.map((l) => [l.level, l.message, l.fields?.code, l.fields?.error])).toEqual([
        ['warn', 'command Greet failed', 'UNEXPECTED', 'x is not a function'],
        ['warn', 'query CountLetters failed', 'UNEXPECTED', 'a bare string'],
      ]);
      for (const line of lines) expect(line.fields?.durationMs).toBeGreaterThanOrEqual(0);
      k.dispose();
    });
  });

  describe('timeout()', () => {
    it('rejects with TIMEOUT and aborts the signal the handler sees', async () => {
      let signal: AbortSignal | undefined;
      const k = createKernel({ handlers: [], middleware: [timeout(20)] });
      k.commands.register(Greet, {
        handle: (_c, ctx) => {
          signal = ctx.signal;
          return new Promise<string>(() => undefined);
        },
      });
      const error = await k.commands.execute(Greet.of('x')).catch((e: unknown) => e);
      expect(isKernelError(error, 'TIMEOUT')).toBe(true);
      expect(signal?.aborted).toBe(true);
      k.dispose();
    });

    it('lets a fast handler through and follows the caller signal', async () => {
      const k = createKernel({ handlers: [], middleware: [timeout(1000)] });
      let inner: AbortSignal | undefined;
      k.commands.register(Greet, { handle: (c, ctx) => ((inner = ctx.signal), c.name) });
      const caller = new AbortController();
      await expect(k.commands.execute(Greet.of('ok'), { signal: caller.signal })).resolves.toBe('ok');
      caller.abort();
      expect(inner?.aborted).toBe(false); // listener removed once the call finished
      k.dispose();
    });

    it('refuses a non-positive duration', () => {
      expect(() => timeout(0)).toThrow(RangeError);
    });
  });

  describe('retry()', () => {
    const conflict = () => new KernelError('CONCURRENCY_CONFLICT', 'version moved');

    it('retries CONCURRENCY_CONFLICT three more times by default', async () => {
      let calls = 0;
      const k = createKernel({ handlers: [], middleware: [retry({ backoff: () => 0 })] });
      k.commands.register(Greet, {
        handle: () => {
          calls++;
          throw conflict();
        },
      });
      await expect(k.commands.execute(Greet.of('x'))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
      expect(calls).toBe(4);
      k.dispose();
    });

    it('succeeds when a later attempt succeeds', async () => {
      let calls = 0;
      const k = createKernel({ handlers: [], middleware: [retry()] });
      k.commands.register(Greet, {
        handle: (c) => {
          if (++calls < 3) throw conflict();
          return c.name;
        },
      });
      await expect(k.commands.execute(Greet.of('done'))).resolves.toBe('done');
      expect(calls).toBe(3);
      k.dispose();
    });

    it('does not retry other codes or queries', async () => {
      let commandCalls = 0;
      let queryCalls = 0;
      const k = createKernel({ handlers: [], middleware: [retry({ codes: ['CONCURRENCY_CONFLICT'], backoff: () => 0 })] });
      k.commands.register(Greet, {
        handle: () => {
          commandCalls++;
          throw new KernelError('TEMPLATE_NOT_FOUND', 'no');
        },
      });
      k.queries.register(CountLetters, {
        handle: () => {
          queryCalls++;
          throw conflict();
        },
      });
      await expect(k.commands.execute(Greet.of('x'))).rejects.toThrow('no');
      await expect(k.queries.execute(CountLetters.from({ text: 'a' }))).rejects.toThrow('version moved');
      expect([commandCalls, queryCalls]).toEqual([1, 1]);
      k.dispose();
    });
  });

  it('turns a middleware that throws synchronously into a rejection', async () => {
    const k = createKernel({
      handlers: [],
      middleware: [
        () => {
          throw new Error('sync boom');
        },
      ],
    });
    class Noop extends Command<void> {}
    k.commands.register(Noop, { handle: () => undefined });
    const result = k.commands.execute(new Noop());
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow('sync boom');
    k.dispose();
  });
});
