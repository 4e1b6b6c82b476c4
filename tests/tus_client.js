// tests/tus_client.js: tus-js-client (the tus project's own client) against
// a tus 1.0 server.  node tus_client.js ENDPOINT FILE NAME TOKEN MODE
//   MODE plain:  one upload, 1 MiB chunks, metadata filename=NAME
//   MODE abort:  abort once a third is sent, then resume from its URL in a
//                new Upload object (as a restarted client would)
// Prints "done URL" on success; exits 1 with the error otherwise.
"use strict";
const tus = require("tus-js-client");
const fs = require("fs");

const [endpoint, file, name, token, mode] = process.argv.slice(2);
const data = fs.readFileSync(file);
const common = {
  chunkSize: 1 << 20,
  retryDelays: [0, 200, 500],
  metadata: { filename: name },
  headers: token ? { Authorization: "Bearer " + token } : {},
  removeFingerprintOnSuccess: true,
};

function fail(err) {
  console.error("tus_client: " + err);
  process.exit(1);
}

function resume(url) {
  const u = new tus.Upload(data, Object.assign({}, common, {
    uploadUrl: url,
    onError: fail,
    onSuccess: () => console.log("done " + url),
  }));
  u.start();
}

let aborted = false;
const u = new tus.Upload(data, Object.assign({}, common, {
  endpoint: endpoint,
  onError: fail,
  onProgress: (sent, total) => {
    if (mode === "abort" && !aborted && sent > total / 3) {
      aborted = true;
      u.abort().then(() => setTimeout(() => resume(u.url), 100));
    }
  },
  onSuccess: () => {
    if (mode === "abort" && !aborted)
      fail("finished before the abort");
    console.log("done " + u.url);
  },
}));
u.start();
