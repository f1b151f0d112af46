/**
 * The control socket's file: created mode 0600 inside a folder only its owner can enter; a
 * file left by a dead supervisor is replaced, one a live supervisor answers on never is.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export type SocketFileCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

export async function claimSocketPath(socketPath: string): Promise<SocketFileCheck> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return { ok: true };
  }
  if (!stat.isSocket()) {
    return { ok: false, message: `${socketPath} exists and is not a socket — remove it or set supervisor.control to another path` };
  }
  if (await answers(socketPath)) {
    return {
      ok: false,
      message: `another supervisor is already running for this configuration (its control socket ${socketPath} answers) — use \`tsgi-supervise status\`, or stop it first`,
    };
  }
  // Nobody answers: a supervisor died without cleaning up. The file is stale.
  fs.rmSync(socketPath, { force: true });
  return { ok: true };
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ path: socketPath });
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(true);
    }, 2000);
    probe.once("connect", () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
