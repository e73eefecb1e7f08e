import 'reflect-metadata'
import { createPrivateKey, X509Certificate as NodeCertificate, randomBytes, webcrypto } from 'node:crypto'
import { isIP } from 'node:net'
import * as x509 from '@peculiar/x509'

export interface PemPair {
  readonly cert: string
  readonly key: string
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY = 86_400_000
type CryptoKey = webcrypto.CryptoKey
/** Node's WebCrypto, in the type @peculiar/x509 asks for. */
const crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>

function serial(): string {
  // Positive, 16 bytes: the top bit cleared so DER does not read it as negative.
  const bytes = randomBytes(16)
  bytes[0] = (bytes[0] ?? 0) & 0x7f
  return bytes.toString('hex')
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key))
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END PRIVATE KEY-----\n`
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
  return await crypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign'])
}

/** A CA (ECDSA P-256) that signs only the webhook's serving certificates. */
export async function createCa(commonName: string, now: Date, validityDays: number): Promise<PemPair> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${commonName}`,
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(now.getTime() + validityDays * DAY),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    },
    crypto,
  )
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) }
}

/** A serving certificate for `dnsNames` (IP addresses become IP SANs), signed by the CA. */
export async function createServingCert(
  ca: PemPair,
  dnsNames: readonly string[],
  now: Date,
  validityDays: number,
): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.cert)
  const caKey = await importKey(ca.key)
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${dnsNames[0] ?? 'fxa-gate-injector'}`,
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(now.getTime() + validityDays * DAY),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          dnsNames.map((value) => ({ type: isIP(value) === 0 ? ('dns' as const) : ('ip' as const), value })),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ],
    },
    crypto,
  )
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) }
}

/**
 * Whether the serving pair is still good for the next `marginDays`: parses, was signed by the CA,
 * covers every DNS name, and its key matches. Anything else means: issue a new one.
 */
export function servingCertUsable(
  serving: PemPair,
  ca: PemPair,
  dnsNames: readonly string[],
  now: Date,
  marginDays: number,
): boolean {
  try {
    const cert = new NodeCertificate(serving.cert)
    const caCert = new NodeCertificate(ca.cert)
    if (!cert.verify(caCert.publicKey) || !cert.checkIssued(caCert)) return false
    if (new Date(cert.validTo).getTime() < now.getTime() + marginDays * DAY) return false
    if (new Date(caCert.validTo).getTime() < now.getTime() + marginDays * DAY) return false
    const covers = (name: string) =>
      isIP(name) === 0
        ? cert.checkHost(name, { subject: 'never', wildcards: false }) === name
        : cert.checkIP(name) === name
    if (!dnsNames.every(covers)) return false
    return cert.checkPrivateKey(createPrivateKey(serving.key))
  } catch {
    return false
  }
}
