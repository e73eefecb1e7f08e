#!/usr/bin/env bash
# Installs the servers the integration tests drive, and shellcheck (Debian packages), only when missing.
set -euo pipefail
# Debian puts nginx in /usr/sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || missing+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_http_set_misc_module.so ] || missing+=(libnginx-mod-http-set-misc)
# headers-more clears identity-header families (ingress-nginx is built with it).
[ -e /usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so ] || missing+=(libnginx-mod-http-headers-more-filter)
command -v caddy >/dev/null || missing+=(caddy)
command -v chromium >/dev/null || missing+=(chromium)
# actionlint (make test) checks the workflows' shell steps with shellcheck when it is on PATH.
command -v shellcheck >/dev/null || missing+=(shellcheck)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing from Debian: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The nginx package starts a system nginx on port 80; the tests start their own on free ports.
if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then $sudo systemctl stop nginx || true; fi
