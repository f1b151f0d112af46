// The Express app run by hand: app.listen.
import app from "./express-app.mjs";

app.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
