// Builds the test images offline from Debian's busybox-static and, as asked,
// imports them into a containerd or pushes them to a registry.
//
//   node scripts/images/build.ts --out DIR
//   node scripts/images/build.ts --out DIR --import /path/containerd.sock
//   node scripts/images/build.ts --out DIR --push 127.0.0.1:5000 [--creds user:pass] [--tls-verify=false]
import { parseArgs } from 'node:util';
import { importImages, pushImages, writeImageArchives } from './images.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'images' },
    import: { type: 'string' },
    push: { type: 'string' },
    creds: { type: 'string' },
    'tls-verify': { type: 'string', default: 'true' },
  },
});

const out = values.out!;
const { all, each } = writeImageArchives(out);
console.log(`images: ${all}`);
for (const [name, file] of each) console.log(`  ${name}: ${file}`);
if (values.import) {
  await importImages(out, values.import);
  console.log(`imported into ${values.import}`);
}
if (values.push) {
  const refs = await pushImages(out, { registry: values.push, creds: values.creds, tlsVerify: values['tls-verify'] !== 'false' });
  for (const r of refs) console.log(`pushed ${r}`);
}
