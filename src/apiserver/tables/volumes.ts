// Printers for PersistentVolumes and PersistentVolumeClaims, with
// kube-apiserver's columns and cell forms.
import { AGE, NAME, col, created, name } from './columns.ts';
import type { Printer } from './columns.ts';

// Upstream prints the modes present in this order, whatever order they were given in.
const MODE_ABBREVIATIONS: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];

export function accessModesString(modes: string[] | undefined): string {
  const present = new Set(modes ?? []);
  return MODE_ABBREVIATIONS.filter(([m]) => present.has(m)).map(([, short]) => short).join(',');
}

/** The class of a PV or PVC: the field, or else the beta annotation older clients set. */
function storageClass(o: any): string {
  return o.spec?.storageClassName ?? o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

const phase = (o: any) => (o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '');
const STORAGE_CLASS = col('StorageClass', 'StorageClass of the volume');
const VOLUME_ATTRIBUTES_CLASS = col('VolumeAttributesClass', 'VolumeAttributesClass of the volume');
const VOLUME_MODE = col('VolumeMode', 'Whether the volume is a filesystem or a raw block device', 'string', 1);

export const VOLUME_PRINTERS: Record<string, Printer> = {
  '/PersistentVolume': {
    columns: [NAME, col('Capacity', 'The storage capacity of the volume'), col('Access Modes', 'The ways the volume can be mounted'),
      col('Reclaim Policy', 'What happens to the volume when its claim is released'), col('Status', 'The phase of the volume'),
      col('Claim', 'The claim bound to the volume'), STORAGE_CLASS, VOLUME_ATTRIBUTES_CLASS, col('Reason', 'Why the volume is in its phase'), AGE, VOLUME_MODE],
    row: (o, now) => [name(o), o.spec?.capacity?.storage ?? '', accessModesString(o.spec?.accessModes), o.spec?.persistentVolumeReclaimPolicy ?? '', phase(o),
      o.spec?.claimRef ? `${o.spec.claimRef.namespace ?? ''}/${o.spec.claimRef.name ?? ''}` : '', storageClass(o), o.spec?.volumeAttributesClassName ?? '<unset>',
      o.status?.reason ?? '', created(o, now), o.spec?.volumeMode ?? '<unset>'],
  },
  '/PersistentVolumeClaim': {
    columns: [NAME, col('Status', 'The phase of the claim'), col('Volume', 'The volume bound to the claim'), col('Capacity', 'The storage capacity of the bound volume'),
      col('Access Modes', 'The ways the bound volume can be mounted'), STORAGE_CLASS, VOLUME_ATTRIBUTES_CLASS, AGE, VOLUME_MODE],
    row: (o, now) => {
      // Capacity and modes come from the bound volume, so an unbound claim shows neither.
      const bound = Boolean(o.spec?.volumeName);
      return [name(o), phase(o), o.spec?.volumeName ?? '', bound ? o.status?.capacity?.storage ?? '' : '', bound ? accessModesString(o.status?.accessModes) : '',
        storageClass(o), o.spec?.volumeAttributesClassName ?? '<unset>', created(o, now), o.spec?.volumeMode ?? '<unset>'];
    },
  },
};
