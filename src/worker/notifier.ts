/**
 * The worker's end of the notify pipe (`protocol/notify.ts`).
 *
 * Run by hand, the worker has no pipe: then every message is dropped silently. A descriptor
 * that is open but is neither a pipe nor a socket (a file inherited from a shell) is left alone
 * too, so JSON never lands in someone's file.
 */
import { fstatSync, writeSync } from "node:fs";
import { NOTIFY_FD, formatNotifyMessage, type NotifyMessage } from "../protocol/notify.js";

export interface Notifier {
  /** Written synchronously, so a message sent just before `process.exit` is not lost. */
  send(message: NotifyMessage): void;
}

export function openNotifier(env: NodeJS.ProcessEnv): Notifier {
  const fd = parseFd(env["TSGI_NOTIFY_FD"]) ?? NOTIFY_FD;
  if (!isPipe(fd)) return { send() {} };
  return {
    send(message) {
      try {
        writeSync(fd, formatNotifyMessage(message));
      } catch {
        // The supervisor went away (EPIPE); nobody is left to tell.
      }
    },
  };
}

function parseFd(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function isPipe(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}
