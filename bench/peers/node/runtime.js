// A tiny Lambda runtime loop for the Node.js peer, as the managed runtime does it: fetch the
// next event from the Runtime API, call the handler, post its result. `node runtime.js <name>`
// loads ./<name>.js, so init (requires, SDK client) happens before the first GET /next.
"use strict";

const http = require("node:http");
const handler = require(`./${process.argv[2]}.js`).handler;
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true });

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, agent, headers: body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

(async () => {
  for (;;) {
    const next = await request("GET", "/2018-06-01/runtime/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    try {
      const result = await handler(JSON.parse(next.body));
      await request("POST", `/2018-06-01/runtime/invocation/${id}/response`, JSON.stringify(result));
    } catch (error) {
      await request("POST", `/2018-06-01/runtime/invocation/${id}/error`, JSON.stringify({ errorMessage: String(error) }));
    }
  }
})();
