/**
 * What listening beyond loopback means, said where the user sees it: at start-up and by `check`.
 */

/** Loopback addresses only; anything else reaches other machines. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What a non-loopback listener without TLS means, said once at start-up. */
export function exposureWarning(host: string, port: number): string | undefined {
  if (isLoopback(host)) return undefined;
  return (
    `supervisor.http listens on ${host}:${port}, reachable from other machines, over plain HTTP: ` +
    `the token and everything the dashboard shows cross the network unencrypted, and anyone who sees the token can stop or restart every site. ` +
    `Put a TLS-terminating proxy in front of it, or listen on 127.0.0.1 and reach it through \`ssh -L ${port}:127.0.0.1:${port}\``
  );
}
