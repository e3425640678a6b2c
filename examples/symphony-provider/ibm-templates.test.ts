import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, expectValid, pollUntilDone, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

/** The example's templates file in the shape of IBM's LSF awsprov_templates.json sample. */
const lsfSample = join(dirname(fileURLToPath(import.meta.url)), 'sample', 'lsf', 'simprov_templates.json');
type FileTemplate = Record<string, unknown> & { templateId: string; attributes: Record<string, unknown> };

describe('IBM\'s template dialect (String, Numeric, Boolean kinds; mem, ncores, nthreads; priority keys)', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));
  const lsf = () => {
    const d = new SymphonyDriver(scripts, lsfSample, {}, { layout: 'lsf' });
    drivers.push(d);
    return d;
  };

  it('loads the IBM-shaped LSF sample and echoes every attribute and IBM key exactly as the file gives it', async () => {
    const d = lsf();
    const file = (JSON.parse(readFileSync(lsfSample, 'utf8')) as { templates: FileTemplate[] }).templates;
    const offered = await d.run('getAvailableTemplates', {});
    expectValid('getAvailableTemplates', offered, 'lsf');
    const templates = offered.document.templates as FileTemplate[];
    expect(templates.map((t) => t.templateId)).toEqual(file.map((t) => t.templateId));
    for (const [index, given] of file.entries()) {
      const answered = templates[index]!;
      expect(answered.attributes, given.templateId).toEqual(given.attributes);
      for (const key of ['keyName', 'userData', 'instanceTags', 'Priority', 'priority', 'ebsOptimized', 'imageId', 'subnetId', 'securityGroupIds', 'maxNumber']) {
        if (key in given) expect(answered[key], `${given.templateId}.${key}`).toEqual(given[key]);
      }
    }
    const requested = await d.run('requestMachines', { template: { templateId: 'Template-VM-1', machineCount: 1 } });
    expect(requested.exitCode, requested.stdout).toBe(0);
    const done = await pollUntilDone(d, requested.document.requestId as string, {}, 'lsf');
    expect((done.document.requests as { status: string }[])[0]!.status).toBe('complete');
  }, 60_000);

  it('refuses a wrong attribute kind, a Boolean that is not 0/1, a missing memory attribute and bad priorities, naming each field without the file\'s text', async () => {
    const d = lsf();
    const document = JSON.parse(readFileSync(lsfSample, 'utf8')) as { templates: FileTemplate[] };
    document.templates[0]!.attributes.simhost = ['Bool', '1'];
    document.templates[1]!.attributes.simhost = ['Boolean', 'yes'];
    delete document.templates[2]!.attributes.mem;
    document.templates[0]!.Priority = 'high';
    document.templates[1]!.priority = '5';
    writeFileSync(d.templatesPath, JSON.stringify(document));
    const refused = await d.run('getAvailableTemplates', {});
    expect(refused.exitCode, refused.stdout).toBe(1);
    expectValid('error', refused);
    const message = String(refused.document.message);
    expect(message).toContain('templates[0].attributes.simhost: kind must be "String", "Numeric" or "Boolean"');
    expect(message).toContain('templates[1].attributes.simhost: a Boolean attribute\'s value is "1" (true) or "0" (false)');
    expect(message).toContain('templates[2].attributes.nram: the nram attribute (Symphony) or mem attribute (LSF) is required');
    expect(message).toContain('templates[0].Priority: LSF\'s Priority is a whole number >= 0 written as a string');
    expect(message).toContain('templates[1].priority: must be a whole number >= 0');
    expect(message).not.toContain(d.root);
  }, 60_000);
});
