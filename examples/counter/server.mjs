// Any program can be a site: this one serves on the socket tsgi hands it as fd 3.
import http from "node:http";

let count = 0;
const server = http.createServer((request, response) => {
  if (request.url === "/health") return response.end("ok\n");
  count += 1;
  response.end(`counter: request ${count} served by pid ${process.pid}\n`);
});
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
server.listen({ fd: Number(process.env.TSGI_FD ?? 3) });
