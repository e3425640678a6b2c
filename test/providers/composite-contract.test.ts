import { sampleTemplateSnapshot } from '../../src/testing/index';
import { runProviderContract } from '../../src/testing/provider-contract.vitest';
import { twoClouds, type TwoClouds } from './support';

const FAILING = sampleTemplateSnapshot({ templateId: 'contract-failing' });

/** The composite as the contract sees it, with `refusing` clouds refusing every provision. */
function subject(refusing: 'east' | 'west' | 'none') {
  const clouds: TwoClouds = twoClouds();
  for (const cloud of [clouds.east, clouds.west]) cloud.inner.script({ templateId: FAILING.templateId }, { capacityError: 'InsufficientInstanceCapacity: nothing left' });
  if (refusing !== 'none') clouds[refusing].refusing = true;
  return {
    provider: clouds.composite,
    failingTemplate: FAILING,
    scheduleReclaim: (id: string) => {
      const [name, machineId] = id.split(/:(.*)/s) as ['east' | 'west', string];
      clouds[name].inner.reclaim(machineId, { gracePeriod: 120, reason: 'spot interruption' });
    },
  };
}

runProviderContract({ name: 'CompositeProvider over two fakes', create: () => subject('none') });
runProviderContract({ name: 'CompositeProvider, east refusing every provision (fails over to west)', create: () => subject('east') });
runProviderContract({ name: 'CompositeProvider, west refusing, round robin', create: () => subject('west'), template: sampleTemplateSnapshot({ templateId: 'contract-rr', providerConfig: { providerName: ['east', 'west'], providerPolicy: 'round-robin' } } as never) });
