// A TSGI application: a Fetch handler. `settings` is the module named by `settings:` in
// sites.yaml (here settings/dev.ts), loaded once by tsgi's worker.
import { settings } from "tsgi";

interface HelloSettings {
  greeting: string;
}

export default function application(request: Request): Response {
  const url = new URL(request.url);
  const { greeting } = settings as unknown as HelloSettings;
  return Response.json({ greeting, path: url.pathname, pid: process.pid, settings: process.env.TSGI_SETTINGS_MODULE });
}
