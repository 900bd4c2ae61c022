// `k8ts version`: the k8ts release and the Kubernetes API version it serves.
import { versionInfo } from '../version.ts';

export async function runVersion(argv: string[]): Promise<number> {
  const info = versionInfo();
  if (argv.includes('-o') && argv[argv.indexOf('-o') + 1] === 'json') {
    process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  } else {
    process.stdout.write(`k8ts version ${info.k8tsVersion} (Kubernetes ${info.gitVersion}, ${info.platform}, node ${process.version})\n`);
  }
  return 0;
}
