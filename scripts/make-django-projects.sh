#!/usr/bin/env bash
# Generates the two Django projects of the `wsgi:` demo and tests into DIR (idempotent):
#   DIR/shop  `django-admin startproject shop`, plus shop/settings_eu.py (a second settings
#             module over the same code: `settings: shop.settings_eu` in sites.yaml)
#   DIR/blog  `django-admin startproject blog`
# Each gets a `/whoami` view answering JSON {settings_module, label, pid}, `/slow?ms=N` (a request
# that stays in flight; answers {pid, thread}) and a `/` view, wired in its urls.py; ALLOWED_HOSTS
# covers 127.0.0.1 and localhost, DEBUG is off. Files already there are left as they are, so
# edits to a view survive a rerun.
#
# The interpreter is the first of $PYTHON, /usr/bin/python3, python3 that can import django and
# gunicorn (Debian: apt-get install python3-django gunicorn). It prints that interpreter's path
# as its last line, so a caller can put the same one in `python:`.
#
#   bash scripts/make-django-projects.sh .tsgi/django-demo
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1

python=""
for candidate in ${PYTHON:+"$PYTHON"} /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import django, gunicorn" >/dev/null 2>&1; then
    python=$(command -v "$candidate")
    break
  fi
done
if [ -z "$python" ]; then
  echo "make-django-projects: no interpreter here can import django and gunicorn (tried ${PYTHON:+$PYTHON, }/usr/bin/python3, python3)." >&2
  echo "  Debian: apt-get install python3-django gunicorn (or: npm run setup:system); a virtualenv: pip install django gunicorn, then PYTHON=/path/to/venv/bin/python" >&2
  exit 1
fi

mkdir -p "$dir"

# make_project NAME LABEL: startproject once, then (re)write the parts tsgi's demo relies on.
make_project() {
  local name=$1 label=$2
  local root="$dir/$name"
  if [ ! -f "$root/manage.py" ]; then
    mkdir -p "$root"
    "$python" -m django startproject "$name" "$root"
  fi
  local package="$root/$name"

  # Settings overrides, appended once (a marker line keeps the script idempotent).
  if ! grep -q "^# tsgi demo" "$package/settings.py"; then
    cat >>"$package/settings.py" <<EOF

# tsgi demo
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DEBUG = False
SITE_LABEL = "$label"
EOF
  fi

  # Views and urls are written only when missing or still Django's, so edits survive a rerun.
  [ -f "$package/views.py" ] || cat >"$package/views.py" <<'EOF'
import json
import os
import threading
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse


def index(request):
    return HttpResponse("%s: hello from Django under tsgi\n" % settings.SITE_LABEL, content_type="text/plain")


def whoami(request):
    return JsonResponse(
        {
            "settings_module": os.environ["DJANGO_SETTINGS_MODULE"],
            "label": settings.SITE_LABEL,
            "pid": os.getpid(),
        }
    )


def slow(request):
    # /slow?ms=500: a request that stays in flight that long, to watch threads and graceful
    # stops. A first byte (whitespace, still valid JSON) goes out at once, so a client knows
    # the request reached the view.
    ms = min(int(request.GET.get("ms", "500")), 10000)
    answer = {"pid": os.getpid(), "thread": threading.current_thread().name, "ms": ms}

    def body():
        yield " "
        time.sleep(ms / 1000)
        yield json.dumps(answer)

    return StreamingHttpResponse(body(), content_type="application/json")
EOF

  grep -q "views.whoami" "$package/urls.py" || cat >"$package/urls.py" <<EOF
from django.urls import path

from $name import views

urlpatterns = [
    path("", views.index),
    path("whoami", views.whoami),
    path("slow", views.slow),
]
EOF
}

make_project shop shop
make_project blog blog

# A second settings module for the shop: the same code served as another site.
[ -f "$dir/shop/shop/settings_eu.py" ] || cat >"$dir/shop/shop/settings_eu.py" <<'EOF'
from shop.settings import *  # noqa: F401,F403

SITE_LABEL = "shop-eu"
EOF

echo "$python"
