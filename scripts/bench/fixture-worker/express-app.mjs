// An Express app: GET JSON.
import express from "express";

const app = express();
app.get("/", (req, res) => {
  res.json({ ok: 1, url: req.url });
});
export default app;
