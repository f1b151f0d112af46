/**
 * The version of this host's systemd (`systemctl --version`: "systemd 252 (252.38-1~deb12u1)"),
 * so what tsgi writes for systemd uses only settings it knows. Undefined where there is none.
 */
import { execFileSync } from "node:child_process";

export function parseSystemdVersion(text: string): number | undefined {
  const match = /^systemd (\d+)/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function hostSystemdVersion(): number | undefined {
  try {
    return parseSystemdVersion(
      execFileSync("systemctl", ["--version"], { encoding: "utf8", timeout: 3000, stdio: ["ignore", "pipe", "ignore"] }),
    );
  } catch {
    return undefined;
  }
}
