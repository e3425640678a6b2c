/**
 * The sample Symphony template the tests share: an on-demand `small` template of ten `t3.small`
 * machines. `overrides` replace or add keys (provider keys included).
 */
export function templateInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    templateId: 'small',
    maxNumber: 10,
    attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '4096'] },
    vmType: 't3.small',
    providerApi: 'EC2Fleet',
    ...overrides,
  };
}
