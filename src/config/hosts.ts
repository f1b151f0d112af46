/**
 * `hosts:` — the host names a front server (nginx, Apache, Caddy) routes to a site.
 *
 * A name is what a `Host` header carries, without port or scheme: DNS labels (letters, digits,
 * `-`), or a leading `*.` wildcard that all three servers understand. The mistakes people make
 * are the ones the hints name: two names in one string, a URL, a port.
 */

export type HostParse =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string; readonly hint: string };

const LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/** For the JSON Schema: the same names `parseHost` accepts (its length rule aside). */
export const HOST_PATTERN = `^(\\*\\.)?${LABEL}(\\.${LABEL})*\\.?$`;
const HOST = new RegExp(HOST_PATTERN);
const EXAMPLE = "`shop.example.com`, `www.shop.example.com` or `*.shop.example.com`";

/** A host name, lowercased (DNS names are case-insensitive) and without a trailing dot. */
export function parseHost(raw: string): HostParse {
  const text = raw.trim();
  const words = text.split(/[\s,]+/).filter(Boolean);
  if (words.length > 1) {
    return {
      ok: false,
      message: `\`${raw}\` is ${words.length} names in one string`,
      hint: `write one name per item: \`hosts: [${words.join(", ")}]\``,
    };
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:]+)/i.exec(text);
  if (url?.[1] !== undefined) return { ok: false, message: `\`${raw}\` is a URL, not a host name`, hint: `write \`${url[1]}\`` };
  const port = /^([^:]+):(\d+)$/.exec(text);
  if (port?.[1] !== undefined) {
    return {
      ok: false,
      message: `\`${raw}\` has a port; a host name has none`,
      hint: `write \`${port[1]}\` (the front server's own port is its \`listen\`, not the site's)`,
    };
  }
  if (!HOST.test(text) || text.length > 253) {
    return {
      ok: false,
      message: `\`${raw}\` is not a host name`,
      hint: `use letters, digits, \`-\` and \`.\`, like ${EXAMPLE}`,
    };
  }
  return { ok: true, value: text.toLowerCase().replace(/\.$/, "") };
}
