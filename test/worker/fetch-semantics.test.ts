/**
 * The Fetch path's semantics, through a real worker: what the handler reads of the request and
 * when, bodies of each kind, headers that repeat, and responses that must carry no body.
 */
import assert from "node:assert/strict";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { httpRequestTo } from "./harness.js";
import { bytesRequest, target } from "./bytes-http.js";
import { useRig } from "./rig.js";

const rig = useRig();

async function semanticsWorker(): Promise<ReturnType<typeof rig.socket>> {
  const socket = rig.socket();
  const worker = rig.start({ socket, app: "fetch-semantics.ts" });
  await worker.ready();
  return socket;
}

describe("the Fetch path", () => {
  it("shows the handler the request's headers, repeated ones joined, and its JSON body", async () => {
    const socket = await semanticsWorker();
    const headers = await bytesRequest(socket, "/headers?q=1", { headers: { "x-multi": ["a", "b"], cookie: "k=v" } });
    assert.deepEqual(JSON.parse(headers.body.toString()), {
      multi: "a, b",
      cookie: "k=v",
      host: `127.0.0.1:${socket.type === "tcp" ? socket.port : 0}`,
      method: "GET",
      search: "?q=1",
    });
    const json = await httpRequestTo(socket, "/json", { method: "POST", body: JSON.stringify({ n: 1, s: "é" }) });
    assert.deepEqual(JSON.parse(json.body), { got: { n: 1, s: "é" } });
    assert.match(String(json.headers["content-type"]), /^application\/json/);
  });

  it("keeps the body for a handler that reads it a second later", async () => {
    const socket = await semanticsWorker();
    const late = await httpRequestTo(socket, "/late-body", { method: "POST", body: "y".repeat(300_000) });
    assert.equal(late.body, "300000");
  });

  it("aborts request.signal when the client goes away", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "fetch-semantics.ts" });
    await worker.ready();
    const req = httpRequest({ ...target(socket), path: "/abort", agent: false });
    req.on("error", () => {});
    req.end();
    await worker.waitFor("the handler to start", () => (worker.stdout.includes("abort request started") ? true : undefined));
    req.destroy();
    await worker.waitFor("the signal to abort", () =>
      worker.stdout.includes("signal aborted after the client left: true") ? true : undefined,
    );
    assert.equal((await httpRequestTo(socket, "/headers")).status, 200, "and the worker serves on");
  });

  it("sends no body for HEAD, 204 and 304", async () => {
    const socket = await semanticsWorker();
    const get = await bytesRequest(socket, "/status?code=200");
    const head = await bytesRequest(socket, "/status?code=200", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers["content-length"], get.headers["content-length"], "HEAD says how long GET's body is");
    for (const code of [204, 304]) {
      const response = await bytesRequest(socket, `/status?code=${code}`);
      assert.equal(response.status, code);
      assert.equal(response.body.length, 0, `${code} has no body`);
      assert.equal(response.headers["etag"], '"v1"');
    }
  });

  it("sends Uint8Array and ArrayBuffer bodies byte for byte", async () => {
    const socket = await semanticsWorker();
    const expected = Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i));
    for (const path of ["/binary", "/arraybuffer"]) {
      const response = await bytesRequest(socket, path);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, expected, path);
      assert.equal(response.headers["content-type"], "application/octet-stream");
    }
  });

  it("keeps two set-cookie lines apart and repeated headers intact", async () => {
    const socket = await semanticsWorker();
    const response = await bytesRequest(socket, "/cookies");
    assert.deepEqual(response.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    const cookieLines = response.rawHeaders.filter((_, i) => i % 2 === 0).filter((name) => name.toLowerCase() === "set-cookie");
    assert.equal(cookieLines.length, 2, "two set-cookie header lines on the wire");
    assert.equal(response.headers["x-repeated"], "one, two");
  });

  it("streams a 10 MB upload through the handler and a 1 MB streamed response out", async () => {
    const socket = await semanticsWorker();
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
    const count = 160; // 10 MiB
    let sum = 0;
    for (const byte of chunk) sum += byte * count;
    const upload = await bytesRequest(socket, "/upload", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Array.from({ length: count }, () => chunk),
    });
    assert.equal(upload.status, 200, upload.body.toString());
    const got = JSON.parse(upload.body.toString()) as { size: number; sum: number; chunks: number };
    assert.equal(got.size, chunk.length * count);
    assert.equal(got.sum, sum);
    assert.ok(got.chunks > 1, `the body arrived in ${got.chunks} chunks, streamed, not as one buffer`);

    const streamed = await bytesRequest(socket, "/stream?kb=1024");
    assert.equal(streamed.body.length, 1024 * 1024);
    assert.ok(streamed.body.every((b) => b === 120));
  });

  it("pulls a streamed body only as fast as the client reads it (backpressure)", async (t) => {
    const socket = await semanticsWorker();
    const totalKb = 256 * 1024; // 256 MiB on offer
    const req = httpRequest({ ...target(socket), path: `/stream?kb=${totalKb}`, agent: false });
    t.after(() => req.destroy());
    req.on("error", () => {});
    const response = await new Promise<IncomingMessage>((resolve) => req.once("response", resolve).end());
    await new Promise((resolve) => response.once("data", resolve));
    response.pause();
    // Paused: the handler's stream stops being pulled once the socket's buffers are full.
    let last = -1;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const pulled = Number((await httpRequestTo(socket, "/pulled")).body);
      if (pulled === last) break;
      if (Date.now() > deadline) throw new Error(`the stream was still being pulled after 15 s (${pulled} KiB)`);
      last = pulled;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(last < 64 * 1024, `pulled ${last} KiB of ${totalKb} while the client read one chunk`);
  });
});
