/**
 * The kernel-side pieces of on-demand sites with real sockets: a bound socket put in the
 * listening state without accepting, its waiting connections seen by the poll watch and
 * counted in its accept queue, and the connections a process group holds found from /proc.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { ListenAddress } from "../../src/config/types.js";
import { listenWithoutAccepting } from "../../src/native/socket-calls.js";
import { bindSocket, type BoundSocket } from "../../src/sockets/bind.js";
import { answerWaiting } from "../../src/sockets/answer-waiting.js";
import { pollWatch } from "../../src/sockets/readable-watch.js";
import { acceptQueueLength, connectionInodes } from "../../src/sockets/socket-load.js";
import { connectionsByProcess } from "../../src/supervisor/process-connections.js";
import { freePort } from "../../kit/free-port.js";
import { waitFor } from "../../kit/wait-for.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-watch-"));
const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function listening(address: ListenAddress): Promise<BoundSocket> {
  const bound = await bindSocket("t", address);
  assert.ok(bound.ok, bound.ok ? "" : bound.message);
  cleanups.push(() => bound.socket.close());
  assert.deepEqual(listenWithoutAccepting(bound.socket.fd, 511), { ok: true });
  return bound.socket;
}

function connect(address: ListenAddress): net.Socket {
  const client = address.type === "tcp" ? net.connect(address.port, address.host) : net.connect(address.path);
  client.on("error", () => undefined);
  cleanups.push(() => client.destroy());
  return client;
}

const addresses: Record<string, () => Promise<ListenAddress>> = {
  tcp: async () => ({ type: "tcp", host: "127.0.0.1", port: await freePort() }),
  unix: () => Promise.resolve({ type: "unix", path: path.join(dir, `s${Math.random().toString(36).slice(2, 8)}.sock`) }),
};

for (const [kind, make] of Object.entries(addresses)) {
  describe(`a ${kind} socket listened on without accepting`, () => {
    it("queues connections the watch sees, the queue counts, and nobody accepts", async () => {
      const address = await make();
      const socket = await listening(address);
      const watch = pollWatch();
      cleanups.push(() => watch.close());
      let fired = 0;
      watch.once(socket.fd, () => (fired += 1));
      const clients = Array.from({ length: 5 }, () => connect(address));
      await Promise.all(clients.map((client) => new Promise((resolve) => client.once("connect", resolve))));
      await waitFor("the watch to fire", () => fired === 1);
      await waitFor("5 connections in the accept queue", () => acceptQueueLength(socket) === 5);
      // One-shot: a socket that stays readable does not fire again until it is watched again.
      watch.once(socket.fd, () => (fired += 1));
      await waitFor("the second watch to fire at once (still readable)", () => fired === 2);
      watch.close();
    });

    it("connections held by a process's child count for that process only", async () => {
      const address = await make();
      const socket = await listening(address);
      // A server whose own child accepts and holds every connection without answering.
      const server = "require('net').createServer(() => {}).listen({ fd: 3 })";
      const parent = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(server)}], { stdio: ['ignore', 'ignore', 'inherit', 3] })`;
      const child = spawn(process.execPath, ["-e", parent], {
        stdio: ["ignore", "ignore", "inherit", socket.fd],
        detached: true,
      });
      const pid = child.pid ?? 0;
      cleanups.push(() => process.kill(-pid, "SIGKILL"));
      assert.equal(connectionInodes(socket)?.size, 0);
      for (let i = 0; i < 3; i++) connect(address);
      await waitFor("3 connections accepted", () => connectionInodes(socket)?.size === 3);
      const inodes = connectionInodes(socket) ?? new Set<number>();
      // A sibling holding the listening socket but no connection.
      const sibling = spawn("sleep", ["30"], { stdio: ["ignore", "ignore", "ignore", socket.fd] });
      cleanups.push(() => sibling.kill("SIGKILL"));
      const counts = await connectionsByProcess([pid, sibling.pid ?? 0], inodes);
      assert.equal(counts.get(pid), 3);
      assert.equal(counts.get(sibling.pid ?? 0), 0);
      assert.equal(acceptQueueLength(socket), 0);
    });
  });
}

for (const [kind, make] of Object.entries(addresses)) {
  it(`waiting ${kind} connections of a site that cannot start get a 503 naming it, or are closed`, async () => {
    const address = await make();
    const socket = await listening(address);
    const answers = Array.from({ length: 3 }, () => {
      const client = connect(address);
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      return new Promise<string>((resolve) => {
        let text = "";
        client.on("data", (chunk: Buffer) => (text += chunk.toString()));
        client.on("close", () => resolve(text));
      });
    });
    await waitFor("3 connections waiting", () => acceptQueueLength(socket) === 3);
    assert.equal(answerWaiting(socket, { type: "http", site: "shop", reason: "pid 7 exited with code 1" }), 3);
    for (const text of await Promise.all(answers)) {
      assert.match(text, /^HTTP\/1\.1 503 /);
      assert.match(text, /site shop cannot start: pid 7 exited with code 1/);
    }
    const closed = connect(address);
    const ended = new Promise((resolve) => closed.on("close", resolve));
    await waitFor("1 connection waiting", () => acceptQueueLength(socket) === 1);
    assert.equal(answerWaiting(socket, { type: "close" }), 1);
    await ended;
    assert.equal(answerWaiting(socket, { type: "close" }), 0);
  });
}

describe("one watch over many sockets", () => {
  it("fires for the socket that has a connection, and only for it; a cancelled watch never fires", async () => {
    const watch = pollWatch();
    cleanups.push(() => watch.close());
    const sockets: { address: ListenAddress; socket: BoundSocket }[] = [];
    for (let i = 0; i < 40; i++) {
      const address: ListenAddress = { type: "unix", path: path.join(dir, `m${i}.sock`) };
      sockets.push({ address, socket: await listening(address) });
    }
    const fired = new Set<number>();
    const cancels = sockets.map(({ socket }, i) => watch.once(socket.fd, () => fired.add(i)));
    cancels[7]?.();
    const at = (i: number): ListenAddress => sockets[i]?.address ?? assert.fail(`no socket ${i}`);
    connect(at(7));
    connect(at(23));
    await waitFor("socket 23's watch to fire", () => fired.has(23));
    // 7 has a connection waiting too, but its watch was cancelled: arm 31 and let it fire to
    // show the poll has looked again since.
    connect(at(31));
    await waitFor("socket 31's watch to fire", () => fired.has(31));
    assert.deepEqual(
      [...fired].sort((a, b) => a - b),
      [23, 31],
    );
    watch.close();
  });
});
