import { describe, expectTypeOf, it } from 'vitest';
import { upcasterChain, type UpcasterChain } from '../../src/storage';

interface PlacedV1 { readonly data: { readonly size: string } }
interface PlacedV2 { readonly data: { readonly sizeGb: number } }
interface PlacedV3 { readonly data: { readonly sizeGb: number; readonly region: string } }

describe('upcasterChain', () => {
  it('hands each step what the previous step returned, and ends at the last shape', () => {
    const chain = upcasterChain<PlacedV1>('event', 'Placed')
      .then((v1): PlacedV2 => {
        expectTypeOf(v1).toEqualTypeOf<PlacedV1>();
        return { data: { sizeGb: Number.parseInt(v1.data.size, 10) } };
      })
      .then((v2): PlacedV3 => {
        expectTypeOf(v2).toEqualTypeOf<PlacedV2>();
        return { data: { ...v2.data, region: 'eu-west-1' } };
      });
    expectTypeOf(chain).toEqualTypeOf<UpcasterChain<PlacedV3>>();
  });

  it('does not compile a step that reads a shape the previous step did not return', () => {
    upcasterChain<PlacedV1>('event', 'Placed')
      .then((v1): PlacedV2 => ({ data: { sizeGb: Number(v1.data.size) } }))
      // @ts-expect-error: the second step reads version 2, where `size` is gone.
      .then((v2: PlacedV1): PlacedV3 => ({ data: { sizeGb: Number(v2.data.size), region: 'x' } }));
  });

  it('does not compile a step that returns no object', () => {
    // @ts-expect-error: a stored record is an object.
    upcasterChain<PlacedV1>('snapshot', 'Placed').then(() => 42);
  });
});
