import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOSTFACTORY_INPUT_LIMITS, HOSTFACTORY_OPERATIONS } from '../../src/hostfactory';
import { createSiteWithTemplates, schemaErrors, type Site } from './support';

const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));

/** Wrong inputs per operation, beyond the file problems every operation shares. */
const WRONG: Record<string, [string, unknown][]> = {
  getAvailableTemplates: [['an array', []], ['a string', 'all']],
  requestMachines: [
    ['machineCount 0', { template: { templateId: 'Grid-OnDemand', machineCount: 0 } }],
    ['machineCount -1', { template: { templateId: 'Grid-OnDemand', machineCount: -1 } }],
    ['machineCount 1.5', { template: { templateId: 'Grid-OnDemand', machineCount: 1.5 } }],
    ['machineCount "3"', { template: { templateId: 'Grid-OnDemand', machineCount: '3' } }],
    ['a missing templateId', { template: { machineCount: 1 } }],
    ['an unknown template', { template: { templateId: 'Grid-Unknown', machineCount: 1 } }],
    ['an inactive template', { template: { templateId: 'Grid-Retired', machineCount: 1 } }],
    ['more than the template holds', { template: { templateId: 'Grid-OnDemand', machineCount: 13 } }],
    ['a template with no capacity', { template: { templateId: 'Grid-Off', machineCount: 1 } }],
    ['template as a string', { template: 'Grid-OnDemand' }],
  ],
  getRequestStatus: [
    ['requests as a string', { requests: 'req-1' }],
    ['a numeric requestId', { requests: [{ requestId: 1 }] }],
    ['no requests', {}],
    ['a huge array', { requests: many(HOSTFACTORY_INPUT_LIMITS.maxRequests + 1, (i) => ({ requestId: `req-${i}` })) }],
    ['a requestId holding NUL', { requests: [{ requestId: 'req-\u0000' }] }],
  ],
  requestReturnMachines: [
    ['machines as a number', { machines: 3 }],
    ['a machine without name', { machines: [{ machineId: 'i-1' }] }],
    ['an empty list', { machines: [] }],
    ['a huge array', { machines: many(HOSTFACTORY_INPUT_LIMITS.maxMachines + 1, (i) => ({ name: `h-${i}` })) }],
    ['a name holding a lone surrogate', { machines: [{ name: 'h-\uD800' }] }],
    ['a machineId holding NUL', { machines: [{ name: 'h-1', machineId: 'i-\u0000' }] }],
    ['a name of 257 code points', { machines: [{ name: '\u{1F600}'.repeat(257) }] }],
  ],
  getReturnRequests: [
    ['machines as a string', { machines: 'h1' }],
    ['a numeric name', { machines: [{ name: 1 }] }],
    ['a name holding NUL', { machines: [{ name: 'h-\u0000' }] }],
    ['a huge array', { machines: many(HOSTFACTORY_INPUT_LIMITS.maxMachines + 1, (i) => ({ name: `h-${i}` })) }],
  ],
};

describe('bad input to the provider scripts', () => {
  let site: Site;
  let before: ReturnType<Site['storage']['snapshotCounts']>;
  beforeEach(async () => {
    site = await createSiteWithTemplates();
    before = site.storage.snapshotCounts();
  });
  afterEach(() => site.close());

  function expectRefused(result: { exitCode: number; document: Record<string, unknown>; stdout: string }, pattern?: RegExp): void {
    expect(result.exitCode).not.toBe(0);
    expect(Object.keys(result.document)).toEqual(['message']);
    expect(schemaErrors('error.output', result.document)).toEqual([]);
    const message = String(result.document.message);
    if (pattern !== undefined) expect(message).toMatch(pattern);
    expect(message).not.toMatch(/\n\s+at /);
    expect(result.stdout.trim().split('\n').join('')).toBe(JSON.stringify(result.document, null, 2).split('\n').join(''));
    // Nothing written: no aggregate, no event, no provider call.
    expect(site.storage.snapshotCounts()).toEqual(before);
    expect(site.fake.calls).toEqual([]);
  }

  describe.each(HOSTFACTORY_OPERATIONS)('%s', (operation) => {
    it('refuses a missing file', async () => {
      expectRefused(await site.runArgs(operation, ['-f', join(site.dir, 'nowhere.json')]), /does not exist/);
    });

    it('refuses a file that is not JSON', async () => {
      expectRefused(await site.run(operation, '{ "requests": [ '), /not valid JSON/);
    });

    it('refuses a directory', async () => {
      const dir = join(site.dir, 'a-directory');
      mkdirSync(dir);
      expectRefused(await site.runArgs(operation, ['-f', dir]), /not a regular file/);
    });

    it('refuses unexpected arguments with exit status 2', async () => {
      const result = await site.runArgs(operation, ['--rm', '-rf']);
      expectRefused(result, /Unexpected argument/);
      expect(result.exitCode).toBe(2);
    });

    if (operation === 'getAvailableTemplates') {
      it('reads an empty file or no -f at all as {} (its input may be empty or absent)', async () => {
        expect((await site.run(operation, '')).exitCode).toBe(0);
        expect((await site.runArgs(operation, [])).exitCode).toBe(0);
      });
    } else {
      it('refuses an empty file', async () => {
        expectRefused(await site.run(operation, '  \n'), /is empty/);
      });
      it('refuses a call without -f', async () => {
        const result = await site.runArgs(operation, []);
        expectRefused(result, /-f <input.json>/);
        expect(result.exitCode).toBe(2);
      });
    }

    it.each(WRONG[operation]!)('refuses %s', async (_, input) => {
      expectRefused(await site.run(operation, input));
    });
  });

  it('names the field holding NUL or a lone surrogate (docs/domain.md, "Text")', async () => {
    const result = await site.run('requestReturnMachines', { machines: [{ name: 'h-1' }, { name: 'h-\uDC00' }] });
    expect(result.document.message).toMatch(/machines\[1\]\.name: must be valid Unicode; found a lone surrogate \(U\+DC00\) at index 2/);
  });

  it('names the field and the fix for machineCount "3"', async () => {
    const result = await site.run('requestMachines', { template: { templateId: 'Grid-OnDemand', machineCount: '3' } });
    expect(result.document.message).toBe(
      'Invalid requestMachines input: template.machineCount must be a whole number from 1 to 10000, got a string of 1 character (write it as a JSON number, without quotes). Correct these fields and try again.',
    );
  });

  // Regression (issue 14, item 8): the engine's SyntaxError quotes the file's start; `-f /proc/self/environ` printed a secret.
  it('names the line and column of a JSON syntax error without echoing the file', async () => {
    const secret = 'PW=hunter2\0HOME=/home/operator\0';
    const result = await site.run('getRequestStatus', secret);
    expectRefused(result, /not valid JSON \(syntax error at line 1, column 1\)/);
    expect(result.stdout).not.toMatch(/hunter2|PW=|operator/);
    const later = await site.run('getRequestStatus', '{\n  "requests": [\n    { "requestId": "req-1" },,\n  ]\n}');
    expectRefused(later, /syntax error at line 3, column 30/);
    const cut = await site.run('getRequestStatus', '{ "requests": [ ');
    expectRefused(cut, /syntax error at the end of the text/);
  });

  it('answers /proc/self/environ with a syntax error that shows no environment value', async () => {
    const result = await site.runArgs('getRequestStatus', ['-f', '/proc/self/environ']);
    expect(result.exitCode).not.toBe(0);
    for (const value of Object.values(process.env)) {
      if (value !== undefined && value.length >= 6) expect(result.stdout).not.toContain(value);
    }
  });

  it('refuses more machines than one return request takes, naming the limit (limits.maxMachinesPerReturn)', async () => {
    const result = await site.run('requestReturnMachines', { machines: many(1001, (i) => ({ name: `h-${i}` })) });
    expectRefused(result, /at most 1000 \(limits\.maxMachinesPerReturn\): split the list/);
    // The limit itself is allowed: 1,000 names are looked up (none exists here), not refused by size.
    const atLimit = await site.run('requestReturnMachines', { machines: many(1000, (i) => ({ name: `h-${i}` })) });
    expect(`${atLimit.stdout}${atLimit.stderr}`).not.toMatch(/maxMachinesPerReturn/);
  });

  it('refuses an unknown operation with exit status 2', async () => {
    const file = join(site.dir, 'x.json');
    writeFileSync(file, '{}');
    const result = await site.runArgs('deleteEverything', ['-f', file]);
    expectRefused(result, /Unknown operation "deleteEverything"/);
    expect(result.exitCode).toBe(2);
  });
});
