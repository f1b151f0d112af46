/**
 * WebSockets and the server hooks of an app module: `upgrade(req, socket, head)` with the `ws`
 * library (echo, 100 clients at once, a reload with sockets open) and `configureServer(server)`
 * with socket.io.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { io as ioClient } from "socket.io-client";
import WebSocket from "ws";
import { httpRequestTo, type BoundSocket } from "./harness.js";
import { useRig } from "./rig.js";

const rig = useRig();

function wsURL(socket: BoundSocket, path = "/ws"): string {
  if (socket.type !== "tcp") throw new Error("these tests use TCP");
  return `ws://127.0.0.1:${socket.port}${path}`;
}

/** A connected client and the messages it got, in order; the first is the server's greeting. */
interface Client {
  readonly ws: WebSocket;
  readonly messages: string[];
  readonly closed: Promise<{ code: number; reason: string }>;
  next(): Promise<string>;
}

function connect(url: string, ms = 10_000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: string[] = [];
    const waiting: ((message: string) => void)[] = [];
    let read = 0;
    ws.on("message", (data: Buffer) => {
      messages.push(data.toString());
      for (const wake of waiting.splice(0)) wake(data.toString());
    });
    const closed = new Promise<{ code: number; reason: string }>((resolveClose) =>
      ws.once("close", (code, reason) => resolveClose({ code, reason: reason.toString() })),
    );
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no WebSocket connection to ${url} within ${ms} ms`));
    }, ms);
    ws.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once("open", () => {
      clearTimeout(timer);
      resolve({
        ws,
        messages,
        closed,
        next: () =>
          new Promise((resolveNext, rejectNext) => {
            const deadline = setTimeout(() => rejectNext(new Error(`no message within ${ms} ms; got ${JSON.stringify(messages)}`)), ms);
            const take = (): void => {
              const message = messages[read];
              if (message === undefined) {
                waiting.push(take);
                return;
              }
              read += 1;
              clearTimeout(deadline);
              resolveNext(message);
            };
            take();
          }),
      });
    });
  });
}

describe("WebSockets through the upgrade export", () => {
  it("echoes text and binary messages, and serves plain HTTP beside them", async (t) => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "ws-app.mjs" });
    await worker.ready();
    const client = await connect(wsURL(socket));
    t.after(() => client.ws.terminate());
    assert.equal(await client.next(), `hello from ${worker.pid}`);
    client.ws.send("ping");
    assert.equal(await client.next(), "ping");
    const binary = new Promise<Buffer>((resolve) =>
      client.ws.once("message", (data: Buffer, isBinary: boolean) => isBinary && resolve(data)),
    );
    client.ws.send(Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(await binary, Buffer.from([0, 1, 2, 255]));
    assert.equal((await httpRequestTo(socket, "/plain")).body, `http /plain from ${worker.pid}\n`);
    await assert.rejects(connect(wsURL(socket, "/elsewhere")), /Unexpected server response: 404/);
  });

  it("serves 100 clients at once", async (t) => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "ws-app.mjs" });
    await worker.ready();
    const clients = await Promise.all(Array.from({ length: 100 }, () => connect(wsURL(socket))));
    t.after(() => clients.forEach((c) => c.ws.terminate()));
    await Promise.all(clients.map((c) => c.next()));
    clients.forEach((c, i) => c.ws.send(`message ${i}`));
    const echoes = await Promise.all(clients.map((c) => c.next()));
    assert.deepEqual(
      echoes,
      clients.map((_, i) => `message ${i}`),
    );
  });

  it("on a reload, closes the old generation's sockets with 1012 and lands new ones on the new generation", async (t) => {
    const socket = rig.socket();
    const old = rig.start({ socket, app: "ws-app.mjs" });
    await old.ready();
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(wsURL(socket))));
    t.after(() => clients.forEach((c) => c.ws.terminate()));
    for (const c of clients) assert.equal(await c.next(), `hello from ${old.pid}`);

    // As the supervisor reloads: the new generation first, then the old one's stop signal.
    const next = rig.start({ socket, app: "ws-app.mjs" });
    await next.ready();
    process.kill(old.pid, "SIGTERM");
    const closes = await Promise.all(clients.map((c) => c.closed));
    assert.deepEqual(
      closes.map((c) => c.code),
      clients.map(() => 1012),
    );
    assert.deepEqual(await old.waitForExit(5_000), { code: 0, signal: null });

    const fresh = await connect(wsURL(socket));
    t.after(() => fresh.ws.terminate());
    assert.equal(await fresh.next(), `hello from ${next.pid}`);
    fresh.ws.send("still here");
    assert.equal(await fresh.next(), "still here");
  });
});

describe("configureServer", () => {
  it("is called once with the server before it serves, so socket.io attaches to it", async (t) => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "socketio-app.mjs" });
    await worker.ready();
    if (socket.type !== "tcp") throw new Error("TCP expected");
    const client = ioClient(`http://127.0.0.1:${socket.port}`, { transports: ["websocket"], reconnection: false, timeout: 10_000 });
    t.after(() => client.close());
    const answer: unknown = await client.timeout(10_000).emitWithAck("echo", "hi");
    assert.deepEqual(answer, { message: "hi", configured: 1, pid: worker.pid });
    assert.equal((await httpRequestTo(socket, "/other")).body, "node handler /other\n", "the app's own handler serves the rest");
  });
});
