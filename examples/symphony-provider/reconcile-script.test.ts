import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SymphonyDriver } from './driver';
import { buildProvider, sampleTemplates, scripts } from './test-support';

beforeAll(buildProvider, 120_000);

describe('scripts/reconcile.sh (cron) and RECONCILE_LIMIT', () => {
  const drivers: SymphonyDriver[] = [];
  afterAll(() => drivers.forEach((d) => d.dispose()));
  const site = () => {
    const d = new SymphonyDriver(scripts, sampleTemplates);
    drivers.push(d);
    return d;
  };

  // Regression (issue 25, item 6): `RECONCILE_LIMIT=` (set, empty: a crontab line emptied by hand)
  // became a limit of 0 and failed every run.
  it('treats RECONCILE_LIMIT set but empty or blank as unset (the default 50)', async () => {
    const d = site();
    for (const value of ['', '   ', '7']) {
      const result = await d.exec('reconcile', [], { RECONCILE_LIMIT: value });
      expect(result.exitCode, `RECONCILE_LIMIT=${JSON.stringify(value)}: ${result.stdout}`).toBe(0);
      expect(result.document).toMatchObject({ abandoned: 0, machinesReturned: 0 });
    }
  }, 60_000);

  it('fails a run with a limit that is not a whole number >= 1, naming the variable but not its value', async () => {
    const d = site();
    for (const value of ['0', 'fifty', '-3', '2.5', '1e3']) {
      const result = await d.exec('reconcile', [], { RECONCILE_LIMIT: value });
      expect(result.exitCode).toBe(1);
      expect(result.document.message).toMatch(/RECONCILE_LIMIT: must be a whole number >= 1 .*leave it unset or empty for the default 50/);
      if (value.length > 2) expect(result.document.message).not.toContain(value);
    }
  }, 60_000);
});
