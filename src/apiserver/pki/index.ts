// The cluster PKI: a CA made on first start, a serving certificate for the
// apiserver (regenerated when its names change), an admin client
// certificate in system:masters, and client certificates issued on demand
// (controller-manager, scheduler, kubelets). ECDSA P-256, PEM files, keys 0600.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

x509.cryptoProvider.set(webcrypto as any);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;

export interface PkiOptions {
  dir: string;
  sans?: string[];
  serviceIP?: string;
  hostAddresses?: string[];
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export interface Pki {
  caCertPem: string;
  clientCaPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  issueClientCert(cn: string, orgs: string[], days?: number): Promise<IssuedCert>;
  /** A serving certificate (a kubelet's) for these DNS names and IPs, signed by the cluster CA. */
  issueServingCert(cn: string, sans: string[], days?: number): Promise<IssuedCert>;
}

interface Ca {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as any);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']) as unknown as CryptoKey;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

async function loadOrCreateCa(dir: string): Promise<Ca> {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (existsSync(certPath)) {
    try {
      const pem = read(certPath);
      const cert = new x509.X509Certificate(pem);
      const privateKey = await importKey(read(keyPath));
      const publicKey = await cert.publicKey.export(ALG, ['verify']);
      return { cert, keys: { privateKey, publicKey } as CryptoKeyPair, pem };
    } catch (err) {
      throw new Error(`the cluster CA in ${dir} is unreadable or corrupt (${(err as Error).message}); restore it or remove the tls directory to start a new cluster identity`);
    }
  }
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=k8ts-server-ca@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - 60_000), notAfter: new Date(now + 3650 * DAY), signingAlgorithm: ALG, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pem = cert.toString('pem');
  writeFileSync(keyPath, await keyPem(keys.privateKey), { mode: 0o600 });
  writeFileSync(certPath, pem);
  return { cert, keys, pem };
}

async function issue(ca: Ca, subject: string, opts: { server?: boolean; sans?: string[]; days?: number }): Promise<IssuedCert> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as unknown as CryptoKeyPair;
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([opts.server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (opts.sans?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(opts.sans.map((s) => (isIP(s) ? { type: 'ip', value: s } : { type: 'dns', value: s }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject, issuer: ca.cert.subject, notBefore: new Date(now - 60_000), notAfter: new Date(now + (opts.days ?? 365) * DAY),
    signingAlgorithm: ALG, publicKey: keys.publicKey, signingKey: ca.keys.privateKey, extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}

function escapeRdn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

function hostAddresses(): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (!a.internal) out.push(a.address.split('%')[0]);
  return out;
}

export async function ensurePki(opts: PkiOptions): Promise<Pki> {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreateCa(opts.dir);
  const sans = [...new Set([
    'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '127.0.0.1', '::1',
    ...(opts.serviceIP ? [opts.serviceIP] : []), ...(opts.hostAddresses ?? hostAddresses()), ...(opts.sans ?? []),
  ])];
  const sansFile = join(opts.dir, 'serving.sans');
  const servingCrt = join(opts.dir, 'serving.crt');
  const servingKey = join(opts.dir, 'serving.key');
  let serving: IssuedCert;
  if (existsSync(servingCrt) && existsSync(sansFile) && read(sansFile) === sans.join('\n')) {
    serving = { certPem: read(servingCrt), keyPem: read(servingKey) };
  } else {
    serving = await issue(ca, 'CN=kube-apiserver', { server: true, sans });
    writeFileSync(servingKey, serving.keyPem, { mode: 0o600 });
    writeFileSync(servingCrt, serving.certPem);
    writeFileSync(sansFile, sans.join('\n'));
  }
  const adminCrt = join(opts.dir, 'admin.crt');
  const adminKey = join(opts.dir, 'admin.key');
  let admin: IssuedCert;
  if (existsSync(adminCrt)) admin = { certPem: read(adminCrt), keyPem: read(adminKey) };
  else {
    admin = await issue(ca, 'CN=system:admin, O=system:masters', {});
    writeFileSync(adminKey, admin.keyPem, { mode: 0o600 });
    writeFileSync(adminCrt, admin.certPem);
  }
  return {
    caCertPem: ca.pem, clientCaPem: ca.pem,
    servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, adminCertPem: admin.certPem, adminKeyPem: admin.keyPem,
    issueClientCert: (cn, orgs, days) => issue(ca, [`CN=${escapeRdn(cn)}`, ...orgs.map((o) => `O=${escapeRdn(o)}`)].join(', '), { days }),
    issueServingCert: (cn, sans, days) => issue(ca, `CN=${escapeRdn(cn)}`, { server: true, sans, days }),
  };
}
