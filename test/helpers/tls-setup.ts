import { webcrypto } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/** The names the test servers answer for: loopback, and the real providers' hosts (see hosts.ts). */
export const testHostNames = ['localhost', 'github.com', 'api.github.com', 'www.facebook.com', 'graph.facebook.com', 'accounts.google.com'];

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;

/**
 * A test certificate authority and one server certificate it signs, made once per run. The CA reaches
 * every test worker through NODE_EXTRA_CA_CERTS, which Node reads at process start: workers are forked
 * after global setup, so they trust it exactly as a deployment trusts a real CA (no insecure switch).
 */
export default async function setup() {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 7 * 86_400_000);
  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Tessera test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: serverKeys.publicKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...testHostNames.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip' as const, value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-tls-'));
  writeFileSync(join(dir, 'ca.pem'), ca.toString('pem'));
  writeFileSync(join(dir, 'cert.pem'), server.toString('pem'));
  writeFileSync(join(dir, 'key.pem'), pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey)));
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'ca.pem');
  process.env.TESSERA_TEST_TLS_DIR = dir;
  // Kept after the run (a worker pool may still start a process reading it); earlier runs' go here.
  for (const name of readdirSync(tmpdir())) {
    const old = join(tmpdir(), name);
    if (name.startsWith('tessera-test-tls-') && old !== dir && statSync(old).mtimeMs < Date.now() - 86_400_000)
      rmSync(old, { recursive: true, force: true });
  }
}
