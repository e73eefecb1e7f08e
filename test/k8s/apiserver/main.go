// Command kube-apiserver-test runs a real kube-apiserver (k8s.io/kubernetes, in-process) on top of an
// embedded etcd, both on loopback, for fxa-gate's tests. It makes its own PKI (a CA, the serving
// certificate, an admin client certificate in system:masters and the service-account signing key)
// under --dir, writes --dir/kubeconfig for kubectl and @kubernetes/client-node, and then hands every
// argument after `--` to the API server's own command line.
//
//	kube-apiserver-test --dir DIR --port PORT [-- extra kube-apiserver flags]
//
// It is a test fixture: etcd skips fsync, nothing is meant to outlive the run.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	dir := flag.String("dir", "", "working directory: pki/, etcd/ and kubeconfig are created here")
	port := flag.Int("port", 0, "the API server's secure port on 127.0.0.1")
	flag.Parse()
	if *dir == "" || *port <= 0 {
		fmt.Fprintln(os.Stderr, "usage: kube-apiserver-test --dir DIR --port PORT [-- kube-apiserver flags]")
		os.Exit(2)
	}
	if err := run(*dir, *port, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "kube-apiserver-test:", err)
		os.Exit(1)
	}
}

func run(dir string, port int, extra []string) error {
	pki, err := writePKI(filepath.Join(dir, "pki"))
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := writeKubeconfig(filepath.Join(dir, "kubeconfig"), server, pki); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}

	etcd, clientURL, err := startEtcd(filepath.Join(dir, "etcd"))
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer func() {
		etcd.Close()
		<-etcd.Server.StopNotify()
	}()

	args := []string{
		"--etcd-servers=" + clientURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + pki.serverCert,
		"--tls-private-key-file=" + pki.serverKey,
		"--client-ca-file=" + pki.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.saPublic,
		"--service-account-signing-key-file=" + pki.saPrivate,
		"--service-cluster-ip-range=10.96.0.0/16",
		// No kubelet, no controller-manager: nothing would serve the endpoints it advertises.
		"--endpoint-reconciler-type=none",
		"--authorization-mode=RBAC",
		"--profiling=false",
		"--cert-dir=" + filepath.Join(dir, "pki"),
	}
	command := app.NewAPIServerCommand()
	command.SetArgs(append(args, extra...))
	if code := cli.Run(command); code != 0 {
		return fmt.Errorf("kube-apiserver exited with %d", code)
	}
	return nil
}

// startEtcd starts a single etcd member on two free loopback ports and waits until it serves.
func startEtcd(dir string) (*embed.Etcd, string, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
	peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.Name = "test"
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.Name + "=" + peerURL.String()
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"

	etcd, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-etcd.Server.ReadyNotify():
		return etcd, clientURL.String(), nil
	case err := <-etcd.Err():
		etcd.Close()
		return nil, "", err
	case <-time.After(60 * time.Second):
		etcd.Close()
		return nil, "", context.DeadlineExceeded
	}
}

func freePort() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port, nil
}
