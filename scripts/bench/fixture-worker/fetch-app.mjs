// The one-line Fetch handler of issue 13, as a user would write it.
export default (req) => new Response(JSON.stringify({ ok: 1, url: req.url }));
