import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionChain } from './index.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './index.ts';

const attrs = {} as AdmissionAttributes;
const tick = () => new Promise((r) => setImmediate(r));

describe('AdmissionChain', () => {
  it('runs plugins in order, waiting for the ones that answer later', async () => {
    const log: string[] = [];
    const plugins: AdmissionPlugin[] = [
      { name: 'a', admit: () => { log.push('a'); }, validate: async () => { await tick(); log.push('va'); } },
      { name: 'b', admit: async () => { await tick(); log.push('b'); } },
      { name: 'c', admit: () => { log.push('c'); }, validate: () => { log.push('vc'); } },
    ];
    const chain = new AdmissionChain(plugins);
    await chain.admit(attrs);
    await chain.validate(attrs);
    assert.deepEqual(log, ['a', 'b', 'c', 'va', 'vc']);
  });

  for (const [name, refuse] of [['at once', () => { throw new Error('no'); }], ['later', async () => { await tick(); throw new Error('no'); }]] as const) {
    it(`stops at a plugin that refuses ${name}`, async () => {
      const log: string[] = [];
      const chain = new AdmissionChain([{ name: 'r', admit: refuse }, { name: 'n', admit: () => { log.push('next'); } }]);
      await assert.rejects(chain.admit(attrs), /no/);
      assert.deepEqual(log, []);
    });
  }
});
