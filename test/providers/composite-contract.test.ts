import { sampleTemplateSnapshot } from '../../src/testing/index';
import { runProviderContract } from '../../src/testing/provider-contract.vitest';
import { twoClouds, type TwoClouds } from './support';

const FAILING = sampleTemplateSnapshot({ templateId: 'contract-failing' });

/** The composite as the contract sees it, with `refusing` clouds refusing every provision. */
function subject(refusing: 'east' | 'west' | 'none' | 'east every other call') {
  // Threshold 1 and no delay: east's breaker opens at its first refusal and half-opens at once, so
  // within one case it opens, fails over and closes again.
  const clouds: TwoClouds = twoClouds(refusing === 'east every other call' ? { breaker: { failureThreshold: 1, resetAfterMs: 0 } } : {});
  if (refusing === 'east every other call') clouds.east.alternating = true;
  for (const cloud of [clouds.east, clouds.west]) cloud.inner.script({ templateId: FAILING.templateId }, { capacityError: 'InsufficientInstanceCapacity: nothing left' });
  if (refusing === 'east' || refusing === 'west') clouds[refusing].refusing = true;
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
runProviderContract({ name: 'CompositeProvider, west refusing, round robin', create: () => subject('west'), template: sampleTemplateSnapshot({ templateId: 'contract-rr', providerConfig: { providerName: ['east', 'west'], providerPolicy: 'round-robin' } }) });
runProviderContract({ name: 'CompositeProvider, round robin, nobody refusing', create: () => subject('none'), template: sampleTemplateSnapshot({ templateId: 'contract-rr2', providerConfig: { providerName: ['east', 'west'], providerPolicy: 'round-robin' } }) });
runProviderContract({ name: 'CompositeProvider, east refusing every other provision, breaker threshold 1', create: () => subject('east every other call') });
