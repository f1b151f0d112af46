import net from "node:net";

/**
 * Ports this process has handed out already: the kernel may hand a just-closed port out again, and
 * two tests running at once in one file (`describe(…, { concurrency: true })`) must not get the
 * same one — one test's request once reached the other's site that way.
 */
const handedOut = new Set<number>();

/** A port the kernel just handed out on 127.0.0.1 (closed again, so a site can bind it); never the same twice in one process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
