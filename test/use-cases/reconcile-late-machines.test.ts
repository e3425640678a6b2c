import { afterEach, describe, expect, it } from 'vitest';
import { GetRequest } from '../../src/application/requests/request.queries';
import { ListMachines } from '../../src/application/machines/machine.queries';
import { DeleteTemplate } from '../../src/application/templates/template.commands';
import { Reconcile } from '../../src/application/reconcile/reconcile.command';
import { closeSite, openSite, settledFleetOn, withoutCancel, type SharedSite } from './reconcile-support';

/*
 * Machines a fleet launches after its request was settled, as a release check records them
 * (src/application/reconcile/live-machines.ts): under the request's template and provider API,
 * without inventing provider resources, and even once the template is gone.
 */
let site: SharedSite;
afterEach(() => closeSite(site));

describe('A release check recording machines launched late', () => {
  it('records them under the request\'s template and provider API, leaving its resources as the cloud reported them', async () => {
    site = openSite();
    const { requestId, hf } = await settledFleetOn(site, withoutCancel);
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 2 });
    const machines = (await hf.queries.execute(ListMachines.from({ requestId }))).items;
    expect(machines.map((m) => [m.templateId, m.providerApi])).toEqual([
      ['small', 'EC2Fleet'],
      ['small', 'EC2Fleet'],
    ]);
    const request = await hf.queries.execute(GetRequest.from({ requestId }));
    // Settled before the fleet launched: nothing was alive then.
    expect(request.statusMessage).toMatch(/so its id never reached the requester; the cloud reported no live machine for it\.$/);
    expect(request.machineIds).toHaveLength(2);
    expect(request.resourceIds).toEqual([]);
  });

  it('goes on after the request\'s template was deleted, returning what launched', async () => {
    site = openSite();
    const { requestId, hf } = await settledFleetOn(site, withoutCancel);
    await hf.commands.execute(DeleteTemplate.from({ templateId: 'small' }));
    expect(await hf.commands.execute(Reconcile.from({}))).toMatchObject({ releasing: 1, machinesReturned: 2, errors: 0 });
    const machines = (await hf.queries.execute(ListMachines.from({ requestId }))).items;
    expect(machines.map((m) => [m.templateId, m.providerApi])).toEqual([
      ['small', null],
      ['small', null],
    ]);
  });
});
