/**
 * A listening address as users write it in `listen:` — `127.0.0.1:8001`, `[::1]:8001`,
 * `unix:/run/alpha.sock` — everywhere one is shown: `check`, `status`, logs and errors.
 */
import type { ListenAddress } from "../config/types.js";

export function formatAddress(address: ListenAddress): string {
  if (address.type === "unix") return `unix:${address.path}`;
  // A host with a colon is IPv6: without brackets its last group would read as the port.
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
