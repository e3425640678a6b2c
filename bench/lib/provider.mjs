// A minimal cloud for the benches: provision starts `count` machines `pending`, describe reports
// every asked machine `running` (or `reported`). Keeps no per-call state (so it never grows during a memory run).
let next = 0;
export function benchProvider(prefix = 'i-b', reported = 'running') {
  const facts = (machineId) => ({ machineId, name: `${machineId}.bench`, privateIpAddress: '10.9.0.1', instanceType: 'm5.large' });
  return {
    async provision({ count }) {
      const machines = [];
      for (let i = 0; i < count; i++) machines.push({ ...facts(`${prefix}-${next++}`), status: 'pending' });
      return { resourceIds: [`r-${next}`], machines };
    },
    async describe({ machineIds }) {
      return machineIds.map((id) => ({ ...facts(id), status: reported }));
    },
    async terminate({ machineIds }) {
      return { accepted: [...machineIds], failed: [] };
    },
    async reclaimNotices() {
      return [];
    },
  };
}

/** The bench's own template (its machines are the only ones counted against it). */
export function benchTemplate(templateId = 'Bench', maxNumber = -1) {
  return { templateId, maxNumber, attributes: { type: ['String', 'X86_64'], ncpus: ['Numeric', '2'], nram: ['Numeric', '8192'] }, vmType: 'm5.large', providerApi: 'RunInstances' };
}
