import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateSeccompProfiles } from './security-validation.ts';

const fields = (spec: any) => validateSeccompProfiles(spec, 'spec').map((e) => `${e.type} ${e.field}: ${e.detail}`);

describe('validateSeccompProfiles', () => {
  it('accepts the three types, and Localhost with a descending path', () => {
    assert.deepEqual(fields({
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'a', securityContext: { seccompProfile: { type: 'Unconfined' } } }, { name: 'b', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } } }],
    }), []);
  });
  const cases: [string, any, string[]][] = [
    ['no type', { seccompProfile: {} }, ['FieldValueRequired spec.securityContext.seccompProfile.type: type is required when seccompProfile is set']],
    ['an unknown type', { seccompProfile: { type: 'Default' } },
      ['FieldValueNotSupported spec.securityContext.seccompProfile.type: supported values: "Localhost", "RuntimeDefault", "Unconfined"']],
    ['Localhost without a profile', { seccompProfile: { type: 'Localhost' } },
      ['FieldValueRequired spec.securityContext.seccompProfile.localhostProfile: must be set when seccomp type is Localhost']],
    ['a profile with another type', { seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'x.json' } },
      ['FieldValueInvalid spec.securityContext.seccompProfile.localhostProfile: can only be set when seccomp type is Localhost']],
    ['an absolute path that climbs', { seccompProfile: { type: 'Localhost', localhostProfile: '/a/../b.json' } }, [
      'FieldValueInvalid spec.securityContext.seccompProfile.localhostProfile: must be a relative path',
      "FieldValueInvalid spec.securityContext.seccompProfile.localhostProfile: must not contain '..'",
    ]],
  ];
  for (const [name, sc, want] of cases) it(`refuses ${name}`, () => assert.deepEqual(fields({ securityContext: sc, containers: [] }), want));
  it('names the container\'s path', () => {
    assert.deepEqual(fields({ initContainers: [{ name: 'i', securityContext: { seccompProfile: { type: 'Localhost' } } }] }),
      ['FieldValueRequired spec.initContainers[0].securityContext.seccompProfile.localhostProfile: must be set when seccomp type is Localhost']);
  });
});
