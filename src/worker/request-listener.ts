/**
 * The request listener serving a settled application, and what happens when it fails: a 500
 * with a short body and the stack on stderr, never a dead worker.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ServedApplication } from "./find-application.js";
import { isThenable } from "./thenable.js";

export type Log = (message: string) => void;

export async function requestListener(application: ServedApplication, log: Log): Promise<RequestListener> {
  switch (application.kind) {
    case "fetch": {
      // Imported here, not above: a Node handler never pays for the Fetch machinery.
      const { fetchListener } = await import("./fetch-listener.js");
      return fetchListener(application.fetch, log);
    }
    case "node":
      return (req, res) => {
        try {
          const result = application.handle(req, res);
          // Koa's callback and async Express 5 handlers return promises.
          if (isThenable(result)) result.then(undefined, (error: unknown) => fail(req, res, error, log));
        } catch (error) {
          fail(req, res, error, log);
        }
      };
    default:
      throw unknownKind(application);
  }
}

function fail(req: IncomingMessage, res: ServerResponse, error: unknown, log: Log): void {
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  log(`error handling ${req.method ?? "?"} ${req.url ?? "?"}: ${detail}`);
  if (res.headersSent) {
    // Too late for a 500: cut the connection so the client sees a broken response, not a short one.
    res.destroy();
    return;
  }
  const keep = res.getHeader("connection");
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (keep !== undefined) res.setHeader("connection", keep);
  res.statusCode = 500;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end("Internal Server Error\n");
}

function unknownKind(application: never): Error {
  return new Error(`unknown application kind: ${JSON.stringify(application)}`);
}
