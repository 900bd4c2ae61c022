// DefaultStorageClass: a new PersistentVolumeClaim that names no class (no
// spec.storageClassName and no beta class annotation) gets the cluster's
// default StorageClass, the one annotated is-default-class "true"; with
// several defaults the newest wins (ties by name), as upstream does since 1.26.
// An explicit "" means "no class" and is left alone.
import type { AdmissionPlugin } from './index.ts';

export const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export function isDefaultClass(sc: any): boolean {
  const a = sc?.metadata?.annotations ?? {};
  return a[IS_DEFAULT_CLASS] === 'true' || a[BETA_IS_DEFAULT_CLASS] === 'true';
}

/** The default class among classes, or undefined when none is marked default. */
export function defaultClass(classes: any[]): any | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    return String(a.metadata?.name).localeCompare(String(b.metadata?.name));
  });
  return defaults[0];
}

/** classes: the stored StorageClasses (the watch cache's copy). */
export function defaultStorageClass(classes: () => any[]): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    admit(a) {
      if (a.operation !== 'CREATE' || a.subresource !== '' || a.resource.group !== '' || a.resource.resource !== 'persistentvolumeclaims') return;
      const pvc = a.object;
      if (!pvc || typeof pvc !== 'object') return;
      if (pvc.spec?.storageClassName != null || pvc.metadata?.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return;
      const sc = defaultClass(classes());
      if (!sc) return;
      pvc.spec = { ...(pvc.spec ?? {}), storageClassName: sc.metadata.name };
    },
  };
}
