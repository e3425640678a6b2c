import { afterEach } from 'vitest';
import { createKernel, KernelVerificationError, type Kernel, type KernelProblem } from '../../src/kernel';

/** The problems `target.verify()` reports; `[]` when it passes. Any other error is rethrown. */
export function problemsOf(target: { verify(): void }): readonly KernelProblem[] {
  try {
    target.verify();
  } catch (error) {
    if (error instanceof KernelVerificationError) return error.problems;
    throw error;
  }
  return [];
}

/** A `createKernel` whose kernels are disposed after each test of the calling file. */
export function disposedAfterEach(): (...args: Parameters<typeof createKernel>) => Kernel {
  const kernels: Kernel[] = [];
  afterEach(() => {
    while (kernels.length > 0) kernels.pop()?.dispose();
  });
  return (...args) => {
    const k = createKernel(...args);
    kernels.push(k);
    return k;
  };
}
