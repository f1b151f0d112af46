/**
 * The systemd notify protocol, read from a fake NOTIFY_SOCKET: READY once the sites are up,
 * RELOADING with MONOTONIC_USEC then READY around a SIGHUP, STOPPING on SIGTERM, and WATCHDOG
 * keep-alives when WATCHDOG_USEC asks for them.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";
import { waitFor } from "../../kit/wait-for.js";
import { DatagramReceiver } from "./helpers.js";

const running: SupervisorUnderTest[] = [];
const receivers: DatagramReceiver[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
  for (const receiver of receivers) receiver.close();
});

describe("systemd notify", () => {
  it("sends READY, RELOADING+MONOTONIC_USEC then READY, WATCHDOG and STOPPING in order", async () => {
    const dir = tempDir();
    const receiver = new DatagramReceiver(path.join(dir, "notify.sock"));
    receivers.push(receiver);
    const notified = SupervisorUnderTest.start(`version: 1\nsites:\n  tick:\n    command: [sleep, "300"]\n    ready: { delay: 10ms }\n`, {
      dir,
      env: { PATH: process.env["PATH"] ?? "", NO_COLOR: "1", WATCHDOG_USEC: "300000", NOTIFY_SOCKET: receiver.path },
    });
    running.push(notified);
    const has = (prefix: string, from = 0): number => receiver.drain().findIndex((m, i) => i >= from && m.split("\n").includes(prefix));
    const ready = await waitFor("READY=1", () => (has("READY=1") >= 0 ? has("READY=1") : undefined));
    assert.match(receiver.messages[ready] ?? "", /^STATUS=1 site: 1 running$/m);
    await waitFor("WATCHDOG=1", () => has("WATCHDOG=1") >= 0);
    // Each state change refreshes STATUS= on its own (what `systemctl status` shows).
    assert.ok(
      receiver.messages.slice(0, ready).some((m) => m === "STATUS=1 site: 1 starting"),
      `a STATUS line while starting: ${JSON.stringify(receiver.messages)}`,
    );

    notified.child.kill("SIGHUP");
    const reloading = await waitFor("RELOADING=1", () => (has("RELOADING=1") >= 0 ? has("RELOADING=1") : undefined));
    assert.ok(reloading > ready, "RELOADING comes after the first READY");
    assert.match(receiver.messages[reloading] ?? "", /^MONOTONIC_USEC=\d+$/m);
    const readyAgain = await waitFor("READY=1 after the reload", () =>
      has("READY=1", reloading + 1) >= 0 ? has("READY=1", reloading + 1) : undefined,
    );

    assert.equal(await notified.stop(), 0);
    const stopping = has("STOPPING=1");
    assert.ok(stopping > readyAgain, `STOPPING after the second READY: ${JSON.stringify(receiver.messages)}`);
    const watchdogs = receiver.messages.filter((m) => m === "WATCHDOG=1").length;
    assert.ok(watchdogs >= 1, "watchdog keep-alives were sent");
  });
});
