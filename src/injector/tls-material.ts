import { createPrivateKey, X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'

export interface TlsMaterial {
  readonly cert: string
  readonly key: string
  /** When the serving certificate expires. */
  readonly notAfter: Date
}

/**
 * Checks a certificate chain and key before they are served: both parse, the key matches the
 * leaf, and Node can build a context from them. Throws with a message holding no key material.
 */
export function tlsMaterial(cert: string, key: string): TlsMaterial {
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(cert)
  } catch {
    throw new Error('the certificate is not a PEM X.509 certificate')
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key)
  } catch {
    throw new Error('the private key is not a PEM private key')
  }
  if (!leaf.checkPrivateKey(privateKey)) throw new Error('the private key does not belong to the certificate')
  createSecureContext({ cert, key })
  return { cert, key, notAfter: new Date(leaf.validTo) }
}

/** Something that serves TLS material and says when it changes (files, or the bootstrap Secret). */
export interface TlsSource {
  /** The material being served; undefined until the first was loaded. */
  current(): TlsMaterial | undefined
  /** Called with each new valid material, after the first. */
  onChange(listener: (material: TlsMaterial) => void): void
  close(): void
}
