// Bare socket.io 4.8 broadcast server for bench/run.py (row "node-bare").
//
// The reference point for the benchmark: no persistence, no validation. Every
// connection joins the room "bench"; a "msg" event is acknowledged and re-emitted
// to the whole room (the sender included), like bench/bare_server.py does.
//
//   node server.js --host 127.0.0.1 --port 6101
"use strict";

const http = require("http");
const { Server } = require("socket.io");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = arg("--host", "127.0.0.1");
const port = parseInt(arg("--port", "6101"), 10);

const httpServer = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok", server: "node-" + process.pid }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  transports: ["websocket", "polling"],
  perMessageDeflate: false,
  pingInterval: 25000,
  pingTimeout: 20000,
});

io.on("connection", (socket) => {
  socket.join("bench");
  socket.on("msg", (data, ack) => {
    io.to("bench").emit("msg", data);
    if (typeof ack === "function") ack({ ok: true });
  });
});

httpServer.listen(port, host, 511, () => {
  console.log(`node bare server on http://${host}:${port} (socket.io ${require("socket.io/package.json").version})`);
});

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    io.close();
    process.exit(0);
  });
}
