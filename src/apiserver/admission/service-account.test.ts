import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiAccessVolume, mountToken, randomSuffix, TOKEN_MOUNT_PATH } from './service-account.ts';

describe('mountToken', () => {
  const seq = (...vals: number[]) => () => vals.shift() ?? 0;
  it('picks a kube-api-access name no other volume has', () => {
    const spec: any = { volumes: [{ name: 'kube-api-access-bbbbb' }], containers: [{ name: 'c' }] };
    mountToken(spec, seq(0, 0, 0, 0, 0, 0.99, 0.99, 0.99, 0.99, 0.99));
    assert.deepEqual(spec.volumes.map((v: any) => v.name), ['kube-api-access-bbbbb', 'kube-api-access-99999']);
    assert.deepEqual(spec.volumes[1], apiAccessVolume('kube-api-access-99999'));
  });
  it('leaves containers that mount something at the token path alone, and adds no volume when none needs it', () => {
    const own = { name: 'mine', mountPath: TOKEN_MOUNT_PATH };
    const spec: any = { initContainers: [{ name: 'i', volumeMounts: [own] }], containers: [{ name: 'a' }, { name: 'b', volumeMounts: [own] }] };
    mountToken(spec);
    assert.deepEqual(spec.initContainers[0].volumeMounts, [own]);
    assert.equal(spec.containers[0].volumeMounts[0].mountPath, TOKEN_MOUNT_PATH);
    assert.equal(spec.volumes.length, 1);
    const none: any = { containers: [{ name: 'b', volumeMounts: [own] }] };
    mountToken(none);
    assert.equal(none.volumes, undefined);
  });
  it('random suffixes use the alphabet without vowels', () => {
    for (let i = 0; i < 50; i++) assert.match(randomSuffix(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
