// A Hono app: GET JSON, POST echo of a JSON body, and a 1 MB streamed response (16 × 64 KB).
import { Hono } from "hono";
import { stream } from "hono/streaming";

const chunk = new Uint8Array(64 * 1024).fill(120);
const app = new Hono();
app.get("/json", (c) => c.json({ ok: 1, url: c.req.url }));
app.post("/echo", async (c) => c.json(await c.req.json()));
app.get("/stream", (c) =>
  stream(c, async (out) => {
    for (let i = 0; i < 16; i++) await out.write(chunk);
  }),
);
export default app;
