// The floor: node:http writing the same answers by hand — the one-line handler's JSON on `/`,
// and the Hono app's three routes.
import { createServer } from "node:http";

const chunk = new Uint8Array(64 * 1024).fill(120);

function json(res, value) {
  const body = JSON.stringify(value);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function url(req) {
  return `http://${req.headers.host}${req.url}`;
}

async function streamOut(res) {
  res.writeHead(200, { "content-type": "application/octet-stream" });
  for (let i = 0; i < 16; i++) {
    if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

createServer((req, res) => {
  if (req.method === "POST" && req.url === "/echo") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => json(res, JSON.parse(Buffer.concat(chunks).toString())));
    return;
  }
  if (req.url === "/stream") return void streamOut(res);
  if (req.url === "/json") return json(res, { ok: 1, url: url(req) });
  const body = JSON.stringify({ ok: 1, url: url(req) });
  res.writeHead(200, { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
