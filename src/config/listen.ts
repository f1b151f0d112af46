/**
 * `listen:` addresses: `HOST:PORT`, `[::1]:PORT`, `PORT` and `unix:PATH`.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { ListenAddress } from "./types.js";

export type ListenParse =
  { readonly ok: true; readonly value: ListenAddress } | { readonly ok: false; readonly message: string; readonly hint: string };

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const LISTEN_PATTERN = "^(unix:.+|[0-9]+|\\[[0-9A-Fa-f:.]+\\]:[0-9]+|[A-Za-z0-9.-]+:[0-9]+)$";
const FORMS = "write `127.0.0.1:8001`, `8001`, `[::1]:8001` or `unix:run/site.sock`";

function port(text: string, raw: string): ListenParse | number {
  if (!/^\d+$/.test(text)) return { ok: false, message: `\`${raw}\` has no valid port`, hint: FORMS };
  const value = Number(text);
  if (value < 1 || value > 65535) {
    return { ok: false, message: `port ${text} in \`${raw}\` is out of range (1 to 65535)`, hint: "pick a port from 1 to 65535" };
  }
  return value;
}

/** A unix path stays as written here; the resolver makes it absolute. */
export function parseListen(raw: string | number): ListenParse {
  const text = String(raw).trim();
  if (text.startsWith("unix:")) {
    const path = text.slice("unix:".length);
    if (path === "") return { ok: false, message: "`unix:` needs a path", hint: "write `unix:run/site.sock`" };
    return { ok: true, value: { type: "unix", path } };
  }
  if (/^\d+$/.test(text)) {
    const p = port(text, text);
    return typeof p === "number" ? { ok: true, value: { type: "tcp", host: "127.0.0.1", port: p } } : p;
  }
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracketed) {
    const [, host = "", portText = ""] = bracketed;
    if (!isIPv6(host)) return { ok: false, message: `\`${host}\` in \`${text}\` is not an IPv6 address`, hint: FORMS };
    const p = port(portText, text);
    return typeof p === "number" ? { ok: true, value: { type: "tcp", host, port: p } } : p;
  }
  const colon = text.lastIndexOf(":");
  if (colon === -1) return { ok: false, message: `\`${text}\` has no port`, hint: FORMS };
  const host = text.slice(0, colon);
  if (host.includes(":")) {
    return { ok: false, message: `IPv6 address in \`${text}\` needs brackets`, hint: `write \`[${host}]:${text.slice(colon + 1)}\`` };
  }
  if (!(isIPv4(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host)))) {
    return {
      ok: false,
      message: `\`${host}\` in \`${text}\` is not a host`,
      hint: host === "*" ? "write `0.0.0.0` to listen on every interface" : FORMS,
    };
  }
  const p = port(text.slice(colon + 1), text);
  return typeof p === "number" ? { ok: true, value: { type: "tcp", host, port: p } } : p;
}

const WILDCARDS = new Set(["0.0.0.0", "::"]);

/** Two addresses that cannot both be bound: same path, or same port on overlapping hosts. */
export function listenConflicts(a: ListenAddress, b: ListenAddress): boolean {
  if (a.type === "unix" || b.type === "unix") {
    return a.type === "unix" && b.type === "unix" && a.path === b.path;
  }
  if (a.port !== b.port) return false;
  const host = (h: string) => (h === "localhost" ? "127.0.0.1" : h.toLowerCase());
  return host(a.host) === host(b.host) || WILDCARDS.has(a.host) || WILDCARDS.has(b.host);
}

/** `--router` without a port, and `supervisor.router` without `listen`. */
export const DEFAULT_ROUTER_LISTEN = { type: "tcp", host: "127.0.0.1", port: 8000 } as const;

/** 127.0.0.0/8, ::1 and `localhost`: addresses only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
