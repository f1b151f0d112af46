/**
 * Who may use the TCP listener: whoever shows the token — `Authorization: Bearer TOKEN`, or once
 * in a browser `/?token=TOKEN`, which trades the token for an `HttpOnly; SameSite=Strict` cookie
 * and a redirect (so the token leaves the address bar and the history). The cookie holds an HMAC
 * of the token, not the token itself. Every comparison takes the same time whatever it compares.
 */
import crypto from "node:crypto";
import type http from "node:http";

export const COOKIE = "tsgi_session";

export type AuthDecision =
  | { readonly kind: "ok" }
  /** A right `?token=`: set the cookie and send the browser to the same page without it. */
  | { readonly kind: "login"; readonly cookie: string; readonly location: string }
  | { readonly kind: "unauthorized"; readonly why: string };

export interface Auth {
  check(request: http.IncomingMessage): AuthDecision;
}

export function tokenAuth(token: string): Auth {
  const session = crypto.createHmac("sha256", token).update("tsgi dashboard session").digest("hex");
  return {
    check(request) {
      const url = new URL(request.url ?? "/", "http://tsgi");
      const header = request.headers.authorization;
      if (header !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        return match?.[1] !== undefined && same(match[1], token) ? { kind: "ok" } : { kind: "unauthorized", why: "wrong token" };
      }
      const offered = url.searchParams.get("token");
      if (offered !== null) {
        if (request.method !== "GET" || !same(offered, token)) return { kind: "unauthorized", why: "wrong token" };
        url.searchParams.delete("token");
        return {
          kind: "login",
          cookie: `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
          location: `${url.pathname}${url.search}`,
        };
      }
      const cookie = cookieValue(request.headers.cookie, COOKIE);
      if (cookie !== undefined) return same(cookie, session) ? { kind: "ok" } : { kind: "unauthorized", why: "stale session" };
      return { kind: "unauthorized", why: "no token" };
    },
  };
}

/** Constant-time: both sides hashed to one length first, so neither length nor content leaks. */
function same(offered: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(offered).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A fresh token for `tsgi-supervise dashboard`: 24 random bytes, URL-safe. */
export function randomToken(): string {
  return crypto.randomBytes(24).toString("base64url");
}
