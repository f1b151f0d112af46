#!/usr/bin/env bash
# The Debian packages the benchmarks need, installed only when missing (apt-get; root or sudo):
#   supervisor  the supervisord peer
#   wrk         throughput (autocannon from devDependencies is the fallback)
#   python3-django, gunicorn  the Django site for the WSGI rows
# PM2, nodemon and autocannon are devDependencies (npm install).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash scripts/install-system-deps.sh supervisor wrk
