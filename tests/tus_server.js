// tests/tus_server.js: @tus/server with its FileStore, the tus project's
// own server, on 127.0.0.1 (port 0), for haulproxy --upload to push to.
// node tus_server.js DIR PORTFILE: serves /files/, stores into DIR (each
// upload as DIR/ID, with DIR/ID.json), writes the port to PORTFILE.
"use strict";
const http = require("http");
const fs = require("fs");
const { Server } = require("@tus/server");
const { FileStore } = require("@tus/file-store");

const [dir, portfile] = process.argv.slice(2);
const tus = new Server({ path: "/files", datastore: new FileStore({ directory: dir }) });
const srv = http.createServer((req, res) => tus.handle(req, res));
srv.listen(0, "127.0.0.1", () => {
  fs.writeFileSync(portfile + ".tmp", String(srv.address().port));
  fs.renameSync(portfile + ".tmp", portfile);
});
process.on("SIGTERM", () => srv.close(() => process.exit(0)));
