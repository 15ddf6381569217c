"""Minimal Lambda Runtime API server side (prototype), driven synchronously by the caller.

It serves one sandbox on a listening socket that the supervisor created *inside the sandbox's
network namespace* (see sandbox.py). No threads: the caller asks for "the next /next" and then
"deliver this event and give me the result"; the socket calls happen on the caller's thread.
Only what awslambdaric needs: GET .../invocation/next, POST .../{id}/response|error, POST
.../init/error. Unknown request ids get 400, unknown paths 404.
"""
import json, select, socket, time, uuid

PFX = "/2018-06-01/runtime"


class Conn:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read_request(self):
        """Return (method, path, headers, body) or None on EOF. Blocks."""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        if hdrs.get("expect", "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        body, self.buf = self.buf[:n], self.buf[n:]
        return method, path, hdrs, body

    def respond(self, status, body=b"", headers=()):
        reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found"}.get(status, "X")
        h = "".join(f"{k}: {v}\r\n" for k, v in headers)
        self.sock.sendall(f"HTTP/1.1 {status} {reason}\r\n{h}Content-Length: {len(body)}\r\n\r\n".encode() + body)


class RuntimeAPI:
    def __init__(self, listener, function_arn="arn:aws:lambda:us-east-1:000000000000:function:probe"):
        self.listener, self.arn = listener, function_arn
        self.conns, self.pending = [], None      # pending: the Conn whose GET /next is parked
        self.init_error = None
        self.current, self.result = None, None

    def close(self):
        for c in self.conns:
            c.sock.close()
        self.listener.close()

    def _serve_one(self, timeout):
        """Accept or read one request from whichever socket is ready; handle it. False on timeout."""
        socks = [self.listener] + [c.sock for c in self.conns]
        ready, _, _ = select.select(socks, [], [], timeout)
        if not ready:
            return False
        s = ready[0]
        if s is self.listener:
            cs, _ = self.listener.accept()
            self.conns.append(Conn(cs))
            return True
        c = next(c for c in self.conns if c.sock is s)
        req = c.read_request()
        if req is None:
            c.sock.close(); self.conns.remove(c)
            return True
        return self._handle(c, *req)

    def _handle(self, c, method, path, hdrs, body):
        if method == "GET" and path == f"{PFX}/invocation/next":
            self.pending = c                      # long poll: answered by invoke()
        elif method == "POST" and path == f"{PFX}/init/error":
            self.init_error = (hdrs.get("lambda-runtime-function-error-type"), body)
            c.respond(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
        elif method == "POST" and path.startswith(f"{PFX}/invocation/"):
            rid, _, kind = path[len(f"{PFX}/invocation/"):].partition("/")
            if rid != self.current or kind not in ("response", "error"):
                c.respond(400, b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}',
                          [("Content-Type", "application/json")])
            else:
                self.result = (kind, body, time.perf_counter_ns())
                c.respond(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
        else:
            c.respond(404, b'{"errorMessage":"not found","errorType":"NotFound"}')
        return True

    def wait_next(self, timeout=30.0):
        """Block until the runtime has a GET /next parked; return perf_counter_ns() of that moment."""
        end = time.monotonic() + timeout
        while self.pending is None:
            if self.init_error or not self._serve_one(max(0.0, end - time.monotonic())):
                raise TimeoutError(f"no /next (init_error={self.init_error})")
        return time.perf_counter_ns()

    def invoke(self, event: bytes, timeout_s=30.0):
        """Deliver one event on the parked /next; return (kind, body, t_sent_ns, t_result_ns)."""
        self.wait_next(timeout_s)
        self.current, self.result = str(uuid.uuid4()), None
        c, self.pending = self.pending, None
        t0 = time.perf_counter_ns()
        c.respond(200, event, [
            ("Lambda-Runtime-Aws-Request-Id", self.current),
            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000 + timeout_s * 1000))),
            ("Lambda-Runtime-Invoked-Function-Arn", self.arn),
            ("Content-Type", "application/json")])
        end = time.monotonic() + timeout_s
        while self.result is None:
            if not self._serve_one(max(0.0, end - time.monotonic())):
                raise TimeoutError("no response")
        kind, body, t1 = self.result
        return kind, body, t0, t1
