#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing:
#   python3-django, gunicorn  real Django sites under gunicorn (wsgi: tests)
#   systemd                   systemd-analyze verify for `export systemd` tests
#   python3-uvicorn, python3-hypercorn, daphne   asgi: sites under each ASGI server
#   python3-werkzeug          ProxyFix as WSGI middleware behind the router
#   uwsgi-core, uwsgi-plugin-python3             wsgiServer: uwsgi
#   uwsgi-emperor             the on-demand benchmark's peer (Emperor with on-demand vassals)
#   nginx, apache2, caddy     export nginx|apache|caddy checked by the real servers
#   chromium                  the dashboard and the router's error page in a real browser
#   prometheus                promtool check metrics
# Extra packages can be named as arguments (the benchmarks add supervisor and wrk).
set -euo pipefail

packages=(python3-django gunicorn systemd python3-uvicorn python3-hypercorn daphne python3-werkzeug
  uwsgi-core uwsgi-plugin-python3 uwsgi-emperor nginx apache2 caddy chromium prometheus "$@")
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: missing ${missing[*]} and no apt-get here; install them with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-system-deps: missing ${missing[*]}; run as root or install them: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-system-deps: installing ${missing[*]}" >&2
# Packages such as nginx, apache2 and prometheus start their daemon on install; the tests run
# private instances on loopback ports instead, so forbid service starts for the install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && own_policy=1
fi
trap '[ "$own_policy" = 1 ] && $sudo rm -f "$policy"' EXIT
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
