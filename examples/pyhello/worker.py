"""A background worker with no socket: prints a tick now and then."""
import os
import time

print("worker started with settings %s" % os.environ.get("TSGI_SETTINGS_MODULE"), flush=True)
while True:
    time.sleep(30)
    print("tick", flush=True)
