// A TypeScript app with a typed helper module: what the compile cache saves on a second start.
import { describe } from "./ts-helper.js";

interface Answer {
  readonly ok: number;
  readonly url: string;
}

export default (req: Request): Response => {
  const answer: Answer = { ok: 1, url: req.url };
  return new Response(describe(answer));
};
