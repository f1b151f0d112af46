import assert from "node:assert/strict";
import { test } from "node:test";
import { parseResponse } from "../../../src/control/client.js";

const raw = (text: string): Buffer => Buffer.from(text, "utf8");

test("a response sized by content-length: the body is exactly that many bytes", () => {
  const body = '{"name":"café"}';
  const answer = parseResponse(
    raw(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
  );
  assert.deepEqual(answer, { status: 200, text: body });
});

test("a chunked response is joined, chunks split anywhere (inside a character too)", () => {
  const body = Buffer.from('{"sites":["é"]}', "utf8");
  const cut = 13; // between the two bytes of é
  const chunked = Buffer.concat([
    raw(`HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n${cut.toString(16)}\r\n`),
    body.subarray(0, cut),
    raw(`\r\n${(body.length - cut).toString(16)}\r\n`),
    body.subarray(cut),
    raw("\r\n0\r\n\r\n"),
  ]);
  assert.deepEqual(parseResponse(chunked), { status: 404, text: body.toString("utf8") });
});

test("without a length the body runs to the close", () => {
  assert.deepEqual(parseResponse(raw("HTTP/1.0 500 Internal\r\nX-A: b\r\n\r\noops")), { status: 500, text: "oops" });
});

test("a response cut short, or not HTTP, is no answer", () => {
  for (const text of [
    "",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
    "SSH-2.0-OpenSSH\r\n\r\n",
  ])
    assert.equal(parseResponse(raw(text)), undefined, JSON.stringify(text));
});
