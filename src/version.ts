// The one place that says which release this is, and which upstream
// Kubernetes API level it matches (what /version reports to clients).
export const K8TS_VERSION = '0.1.0';
export const KUBE_MAJOR = '1';
export const KUBE_MINOR = '33';

export type VersionInfo = {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
  k8tsVersion: string;
};

export function versionInfo(): VersionInfo {
  return {
    major: KUBE_MAJOR,
    minor: KUBE_MINOR,
    gitVersion: `v${KUBE_MAJOR}.${KUBE_MINOR}.0+k8ts${K8TS_VERSION}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '2026-11-23T00:00:00Z',
    goVersion: `node${process.version}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    k8tsVersion: K8TS_VERSION,
  };
}
