/**
 * A worker whose supervisor died (SIGKILL, OOM) must not live on holding the site's socket.
 * Its parent pid changes when it is re-parented; it then drains and exits like on a stop
 * signal. Checked once a second on an unref'd timer, so it never keeps the worker alive.
 */
export function exitWhenOrphaned(stopSignal: NodeJS.Signals, log: (message: string) => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    log(`the supervisor (pid ${parent}) is gone; draining and exiting`);
    process.kill(process.pid, stopSignal);
  }, 1000);
  timer.unref();
}
