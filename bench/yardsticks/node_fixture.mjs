// Reference implementation of the conformance fixture on Node's real
// socket.io 4.8 / engine.io 6 servers. The Python conformance suite runs
// against it to prove the tests themselves are right, and the benchmarks use
// it as the yardstick the C++ server is measured against.
//
//   node bench/yardsticks/node_fixture.mjs [--port N] [--ping-interval MS]
//        [--ping-timeout MS] [--max-payload BYTES] [--connect-timeout MS]
//        [--engineio-echo]
//
// Prints "listening on port N" once the socket is bound (port 0 = any free).

import { createServer } from "node:http";
import { Server as SocketIOServer } from "socket.io";
import { Server as EngineIOServer } from "engine.io";

function parseArgs(argv) {
  const opts = {
    port: 3000,
    pingInterval: 300,
    pingTimeout: 200,
    maxPayload: 1000000,
    connectTimeout: 1000,
    engineioEcho: false,
  };
  const numeric = {
    "--port": "port",
    "--ping-interval": "pingInterval",
    "--ping-timeout": "pingTimeout",
    "--max-payload": "maxPayload",
    "--connect-timeout": "connectTimeout",
  };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf("=");
    if (eq !== -1) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (flag === "--engineio-echo") {
      opts.engineioEcho = true;
      continue;
    }
    if (flag === "--help" || flag === "-h") {
      console.log(
        "usage: node_fixture.mjs [--port N] [--ping-interval MS] [--ping-timeout MS] " +
          "[--max-payload BYTES] [--connect-timeout MS] [--engineio-echo]",
      );
      process.exit(0);
    }
    const key = numeric[flag];
    if (!key) {
      console.error(`unknown option ${argv[i]}`);
      process.exit(2);
    }
    if (value === undefined) value = argv[++i];
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < 0) {
      console.error(`option ${flag} needs a non-negative integer`);
      process.exit(2);
    }
    opts[key] = n;
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

const httpServer = createServer((req, res) => {
  if (req.method === "GET" && req.url.split("?")[0] === "/health") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok" }));
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
});

const common = {
  path: "/socket.io",
  // engine.io matches the request path by prefix; without the trailing slash
  // appended, both "/socket.io/?EIO=4..." and "/socket.io?EIO=4..." reach it,
  // which is what the fixture contract asks for.
  addTrailingSlash: false,
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: opts.maxPayload,
  // The C++ server compresses nothing; compressing here would skew the
  // benchmark comparison (and permessage-deflate is off by default anyway).
  httpCompression: false,
  perMessageDeflate: false,
  cors: { origin: true, credentials: true },
};

if (opts.engineioEcho) {
  // engine.io's own default path, where its protocol test suite looks.
  const engineOptions = { ...common, path: "/engine.io" };
  const engine = new EngineIOServer(engineOptions);
  engine.attach(httpServer, engineOptions);
  engine.on("connection", (socket) => {
    socket.on("message", (data) => socket.send(data));
  });
} else {
  const io = new SocketIOServer(httpServer, {
    ...common,
    serveClient: false,
    connectTimeout: opts.connectTimeout,
  });

  io.on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth);
    socket.on("message", (...args) => {
      socket.emit("message-back", ...args);
    });
    socket.on("message-with-ack", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
  });

  io.of("/custom").on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth);
  });
}

httpServer.listen(opts.port, () => {
  process.stdout.write(`listening on port ${httpServer.address().port}\n`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(0));
}
