// `@hono/node-server` serving the Fetch app in $APP, as its README has it.
import { serve } from "@hono/node-server";

const app = (await import(`./${process.env.APP}`)).default;
const fetch = typeof app === "function" ? app : app.fetch.bind(app);
serve({ fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" }, () => console.log("listening"));
