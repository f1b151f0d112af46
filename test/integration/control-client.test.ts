/**
 * The control client's one-shot requests against a real HTTP server on a unix socket: answers
 * sized and chunked, a slow answer (the client must not half-close before it), and the
 * failures a command turns into a sentence.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { request, SupervisorNotRunning } from "../../src/control/client.js";

describe("control client", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-client-"));
  const servers: http.Server[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function serve(name: string, handler: http.RequestListener): Promise<string> {
    const socket = path.join(dir, name);
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return socket;
  }

  it("reads a sized answer, a chunked one and a slow one, with method and path as sent", async () => {
    const seen: string[] = [];
    const socket = await serve("a.sock", (req, res) => {
      seen.push(`${req.method ?? ""} ${req.url ?? ""}`);
      if (req.url === "/sized") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "11" }).end('{"ok":true}');
      } else if (req.url === "/chunked") {
        res.writeHead(404);
        res.write('{"error":');
        setTimeout(() => res.end('"no such site ✓"}'), 20);
      } else {
        // A reload answers when it is done, well after the request arrived.
        setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("done"), 150);
      }
    });
    assert.deepEqual(await request(socket, "GET", "/sized"), { status: 200, body: { ok: true } });
    assert.deepEqual(await request(socket, "GET", "/chunked"), { status: 404, body: { error: "no such site ✓" } });
    assert.deepEqual(await request(socket, "POST", "/v1/sites/web/reload"), { status: 200, body: "done" });
    assert.deepEqual(seen, ["GET /sized", "GET /chunked", "POST /v1/sites/web/reload"]);
  });

  it("no socket, or a server that hangs up without answering, is a SupervisorNotRunning that says which", async () => {
    await assert.rejects(request(path.join(dir, "none.sock"), "GET", "/v1/sites"), (error: unknown) => {
      assert.ok(error instanceof SupervisorNotRunning);
      assert.match(error.message, /no supervisor is running on .*none\.sock/);
      return true;
    });
    const socket = await serve("b.sock", (req) => req.socket.destroy());
    await assert.rejects(request(socket, "GET", "/v1/sites"), (error: unknown) => {
      assert.ok(error instanceof SupervisorNotRunning);
      assert.match(error.message, /closed the connection before answering/);
      return true;
    });
  });
});
