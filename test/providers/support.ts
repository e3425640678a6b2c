import type { ProviderPort, ProvisionInput, ProvisionResult } from '../../src/application/provider/provider.port';
import { FakeProvider, ManualClock } from '../../src/testing/index';
import { createCompositeProvider, type CompositeProvider, type CompositeProviderOptions, type ProviderAssignments } from '../../src/providers/index';

/** A provider whose provision refuses (throws before delegating) while `refusing` is true, counting every call. */
export class Flaky implements ProviderPort {
  refusing = false;
  /** Refuse every other provision (the 1st, 3rd, ...), as a cloud with intermittent capacity does. */
  alternating = false;
  provisions = 0;
  constructor(readonly inner: FakeProvider, private readonly message: string) {}

  async provision(input: ProvisionInput): Promise<ProvisionResult> {
    this.provisions += 1;
    if (this.refusing || (this.alternating && this.provisions % 2 === 1)) throw new Error(this.message);
    return this.inner.provision(input);
  }
  describe: ProviderPort['describe'] = (input) => this.inner.describe(input);
  terminate: ProviderPort['terminate'] = (input) => this.inner.terminate(input);
  reclaimNotices: ProviderPort['reclaimNotices'] = () => this.inner.reclaimNotices();
  cancelProvision: NonNullable<ProviderPort['cancelProvision']> = (input) => this.inner.cancelProvision(input);
}

/** Two fake clouds on one manual clock behind a composite, `east` first. */
export interface TwoClouds {
  readonly clock: ManualClock;
  readonly east: Flaky;
  readonly west: Flaky;
  readonly composite: CompositeProvider;
}

export function twoClouds(options: Partial<CompositeProviderOptions> & { assignments?: ProviderAssignments } = {}, weights: readonly [number, number] = [1, 1]): TwoClouds {
  const clock = new ManualClock();
  const east = new Flaky(new FakeProvider({ clock }), 'InsufficientInstanceCapacity: east is full');
  const west = new Flaky(new FakeProvider({ clock }), 'InsufficientInstanceCapacity: west is full');
  const composite = createCompositeProvider({
    providers: [
      { name: 'east', provider: east, weight: weights[0] },
      { name: 'west', provider: west, weight: weights[1] },
    ],
    clock,
    breaker: { failureThreshold: 2, resetAfterMs: 60_000 },
    ...options,
  });
  return { clock, east, west, composite };
}

/** Every machine id either fake launched, for "launched once" checks. */
export function launched(clouds: TwoClouds): string[] {
  return [...clouds.east.inner.machines().map((m) => `east:${m.machineId}`), ...clouds.west.inner.machines().map((m) => `west:${m.machineId}`)];
}
