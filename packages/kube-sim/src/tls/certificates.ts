import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/** A CA generated at start and a server certificate it signed, all PEM. */
export interface SimCertificates {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

/** RSA keys come from node's crypto (fast, native); node-forge only builds and signs the X.509 structures. */
function rsaKeyPair(): {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privateKeyPem: privateKey,
  };
}

/** A positive serial (the top bit cleared): X.509 serials are signed integers and Go rejects negative ones. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  // Backdated an hour so a client with a slightly slow clock accepts it at once.
  cert.validity.notBefore = new Date(now - 3600_000);
  cert.validity.notAfter = new Date(now + days * 86400_000);
}

/**
 * Generates a fresh CA and a server certificate for `hosts` (IP addresses become IP SANs, names DNS
 * SANs). Go's TLS verification ignores the CN, so every address a client dials must be a SAN.
 */
export function generateCertificates(hosts: string[]): SimCertificates {
  const ca = rsaKeyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serial();
  validity(caCert, 365);
  const caSubject = [
    { name: 'commonName', value: 'kube-sim-ca' },
    { name: 'organizationName', value: 'pod-shell kube-sim' },
  ];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = server.publicKey;
  cert.serialNumber = serial();
  validity(cert, 365);
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(caSubject);
  const altNames = [...new Set(hosts)].map((h) => (isIP(h) !== 0 ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());

  return {
    caCert: forge.pki.certificateToPem(caCert),
    caKey: ca.privateKeyPem,
    serverCert: forge.pki.certificateToPem(cert),
    serverKey: server.privateKeyPem,
  };
}

/** The SANs the server certificate always carries, plus the host it listens on. */
export function defaultCertificateHosts(listenHost: string): string[] {
  const hosts = ['127.0.0.1', '::1', 'localhost'];
  if (listenHost !== '0.0.0.0' && listenHost !== '::' && listenHost !== '') hosts.push(listenHost);
  return hosts;
}
