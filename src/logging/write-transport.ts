/**
 * winston's last stage, as a function: each entry handed to `write` as it comes, synchronously,
 * so nothing waits inside winston (a lagging file is measured at its own stream, see
 * `site-files.ts`). The console and the site files each have one.
 */
import winston from "winston";

type TransportClass = new (options: { log: (info: never, next: () => void) => void }) => winston.transport;
// The base class is `winston.Transport` at run time and `winston.transport` in winston's typings.
const TransportStream = (winston as unknown as { Transport: TransportClass }).Transport;

/** `write` gets each entry as logged (its own type: what its logger is handed). */
export function writeTransport(write: (entry: never) => void): winston.transport {
  return new TransportStream({
    log: (info: never, next) => {
      write(info);
      next();
    },
  });
}
