package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type pkiFiles struct {
	caCert, serverCert, serverKey, adminCert, adminKey, saPublic, saPrivate string
}

type keyPair struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

// writePKI creates a fresh CA, a serving certificate for 127.0.0.1 and localhost, a client
// certificate for an administrator (group system:masters) and the service-account signing key.
func writePKI(dir string) (pkiFiles, error) {
	files := pkiFiles{
		caCert:     filepath.Join(dir, "ca.crt"),
		serverCert: filepath.Join(dir, "apiserver.crt"),
		serverKey:  filepath.Join(dir, "apiserver.key"),
		adminCert:  filepath.Join(dir, "admin.crt"),
		adminKey:   filepath.Join(dir, "admin.key"),
		saPublic:   filepath.Join(dir, "sa.pub"),
		saPrivate:  filepath.Join(dir, "sa.key"),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return files, err
	}
	ca, err := issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "fxa-gate-test-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil)
	if err != nil {
		return files, err
	}
	server, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, &ca)
	if err != nil {
		return files, err
	}
	admin, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "fxa-gate-test-admin", Organization: []string{"system:masters"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, &ca)
	if err != nil {
		return files, err
	}
	sa, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return files, err
	}
	saPublic, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return files, err
	}
	writes := []struct {
		path  string
		block func() ([]byte, error)
	}{
		{files.caCert, ca.certPEM},
		{files.serverCert, server.certPEM},
		{files.serverKey, server.keyPEM},
		{files.adminCert, admin.certPEM},
		{files.adminKey, admin.keyPEM},
		{files.saPublic, func() ([]byte, error) { return pemBlock("PUBLIC KEY", saPublic), nil }},
		{files.saPrivate, func() ([]byte, error) { return keyPEM(sa) }},
	}
	for _, w := range writes {
		data, err := w.block()
		if err != nil {
			return files, err
		}
		if err := os.WriteFile(w.path, data, 0o600); err != nil {
			return files, err
		}
	}
	return files, nil
}

func issue(template *x509.Certificate, parent *keyPair) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return keyPair{}, err
	}
	template.SerialNumber = serial
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(7 * 24 * time.Hour)
	signer, signerCert := key, template
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signerCert, &key.PublicKey, signer)
	if err != nil {
		return keyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{cert: cert, der: der, key: key}, nil
}

func (k keyPair) certPEM() ([]byte, error) { return pemBlock("CERTIFICATE", k.der), nil }
func (k keyPair) keyPEM() ([]byte, error)  { return keyPEM(k.key) }

func keyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pemBlock("EC PRIVATE KEY", der), nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

// writeKubeconfig writes a kubeconfig (JSON is YAML) with everything inline, so it can be copied.
func writeKubeconfig(path, server string, files pkiFiles) error {
	read := func(name string) (string, error) {
		data, err := os.ReadFile(name)
		return base64.StdEncoding.EncodeToString(data), err
	}
	ca, err := read(files.caCert)
	if err != nil {
		return err
	}
	cert, err := read(files.adminCert)
	if err != nil {
		return err
	}
	key, err := read(files.adminKey)
	if err != nil {
		return err
	}
	config := fmt.Sprintf(`{
  "apiVersion": "v1",
  "kind": "Config",
  "clusters": [{"name": "test", "cluster": {"server": %q, "certificate-authority-data": %q}}],
  "users": [{"name": "admin", "user": {"client-certificate-data": %q, "client-key-data": %q}}],
  "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
  "current-context": "test"
}
`, server, ca, cert, key)
	return os.WriteFile(path, []byte(config), 0o600)
}
