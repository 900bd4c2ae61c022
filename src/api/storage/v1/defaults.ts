// Upstream's defaulting for storage.k8s.io/v1 StorageClasses.

export function defaultStorageClass(sc: Record<string, any>): void {
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}
