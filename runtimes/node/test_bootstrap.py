#!/usr/bin/env python3
"""Tests runtimes/node/bootstrap.js against a mock Lambda Runtime API (standard library only).

Run from the repository root:  python3 runtimes/node/test_bootstrap.py
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = os.path.join(HERE, "bootstrap.js")
PREFIX = "/2018-06-01/runtime/"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:demo:live"

FILES = {
    "index.js": """
exports.handler = async (event, context) => {
  console.log('hello from', event.name);
  console.error('oops\\nsecond line');
  return {
    event, functionName: context.functionName, functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB, awsRequestId: context.awsRequestId,
    invokedFunctionArn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis(),
    logGroupName: context.logGroupName, logStreamName: context.logStreamName,
    clientContext: context.clientContext ?? null, identity: context.identity ?? null,
    traceId: process.env._X_AMZN_TRACE_ID ?? null, waits: context.callbackWaitsForEmptyEventLoop,
  };
};
exports.nothing = async () => undefined;
""",
    "cb.js": """
exports.handler = (event, context, callback) => {
  switch (event.mode) {
    case 'wait': setTimeout(() => {}, 300); return callback(null, { ok: 'wait' });
    case 'nowait':
      context.callbackWaitsForEmptyEventLoop = false;
      setTimeout(() => {}, 300); return callback(null, { ok: 'nowait' });
    case 'err': return callback(new RangeError('out of range'));
    case 'str': return callback('plain string failure');
    case 'legacy': return context.succeed({ legacy: true });
    case 'double':
      callback(null, 'first'); callback(null, 'second'); context.succeed('third');
      return Promise.resolve('fourth');
  }
};
""",
    "sync.js": """
exports.handler = (event) => ({ doubled: event.n * 2 });
exports.thrower = () => { throw new TypeError('bad input'); };
class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
exports.rejecter = async () => { throw new ValidationError('nope'); };
exports.throwString = () => { throw 'just a string'; };
exports.unhandled = async () => { Promise.reject(new Error('lost promise')); await new Promise((r) => setTimeout(r, 2000)); return 'late'; };
exports.uncaught = (event, context, callback) => { setTimeout(() => { throw new Error('kaboom'); }, 10); };
""",
    "lib/nested.js": "exports.ns = { fn: async (event) => ({ nested: true, n: event.n }) };\n",
    "esm.mjs": "export const handler = async (event, context) => ({ esm: true, id: context.awsRequestId, n: event.n });\n",
    "esmjs/package.json": '{"type": "module"}\n',
    "esmjs/app.js": "const v = await Promise.resolve(7);\nexport async function handler() { return { tla: v }; }\n",
    "dirmod/index.js": "exports.handler = async () => 'from dir';\n",
    "broken.js": "exports.handler = async () => {\n",
    "boom.js": "throw new RangeError('failed at load');\n",
}

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else f"  -- {detail}"))


class MockAPI:
    """One Runtime API: /next hands out queued invocations, /response, /error, /init/error are recorded."""

    def __init__(self):
        self.invocations = queue.Queue()
        self.outcomes = queue.Queue()
        self.clients = []
        self.stopped = threading.Event()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                mock.clients.append(self.client_address)
                if self.path != PREFIX + "invocation/next":
                    return self.reply(404, {"errorType": "InvalidRequest"})
                while not mock.stopped.is_set():
                    try:
                        inv_id, payload, headers = mock.invocations.get(timeout=0.05)
                        break
                    except queue.Empty:
                        continue
                else:
                    return
                data = payload.encode()
                self.send_response(200)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                mock.clients.append(self.client_address)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                parts = self.path[len(PREFIX):].split("/")
                if parts == ["init", "error"]:
                    kind, inv_id = "init_error", None
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    kind, inv_id = parts[2], parts[1]
                else:
                    return self.reply(404, {"errorType": "InvalidRequest"})
                mock.outcomes.put((kind, inv_id, dict(self.headers), body, time.monotonic()))
                self.reply(202, {"status": "OK"})

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                if not isinstance(sys.exc_info()[1], ConnectionError):  # the runtime was killed or exited
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, payload, headers=None):
        inv_id = str(uuid.uuid4())
        h = {"Content-Type": "application/json", "Lambda-Runtime-Aws-Request-Id": inv_id,
             "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 3000),
             "Lambda-Runtime-Invoked-Function-Arn": ARN}
        h.update(headers or {})
        self.invocations.put((inv_id, json.dumps(payload), h))
        return inv_id, time.monotonic()

    def outcome(self, timeout=4.0):
        try:
            return self.outcomes.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


class Runtime:
    """bootstrap.js running one handler against its own MockAPI."""

    def __init__(self, root, handler):
        self.api = MockAPI()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_LAMBDA_RUNTIME_API": self.api.address,
               "_HANDLER": handler, "LAMBDA_TASK_ROOT": root, "AWS_LAMBDA_FUNCTION_NAME": "demo",
               "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
               "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/demo", "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/01/[$LATEST]abc"}
        self.proc = subprocess.Popen(["node", BOOTSTRAP], env=env, cwd=root, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.rc = self.out = self.err = None

    def call(self, payload, headers=None):
        inv_id, sent = self.api.invoke(payload, headers)
        got = self.api.outcome()
        if got is None:
            return inv_id, None, None, None, None
        kind, got_id, hdrs, body, at = got
        try:
            doc = json.loads(body)
        except ValueError:
            doc = body
        return inv_id, (kind if got_id == inv_id else f"{kind}(wrong id {got_id})"), hdrs, doc, at - sent

    def finish(self, wait=0.0):
        """Waits up to `wait` s for a voluntary exit, else kills; returns (rc or None, stdout, stderr)."""
        try:
            self.rc = self.proc.wait(timeout=wait) if wait else None
        except subprocess.TimeoutExpired:
            pass
        if self.rc is None:
            self.proc.kill()
            self.proc.wait()
        out, err = self.proc.communicate()  # bytes: text mode would turn the runtime's \r into \n
        self.out, self.err = out.decode(errors="replace"), err.decode(errors="replace")
        self.api.close()
        return self.rc, self.out, self.err


def error_header(hdrs):
    return {k.lower(): v for k, v in (hdrs or {}).items()}.get("lambda-runtime-function-error-type")


def test_async(root):
    rt = Runtime(root, "index.handler")
    try:
        cc = {"client": {"installation_id": "i-1"}, "custom": {"k": "v"}, "env": {"locale": "en"}}
        ident = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
        inv_id, kind, _, doc, _ = rt.call({"name": "world"}, {
            "Lambda-Runtime-Trace-Id": "Root=1-abc;Parent=def;Sampled=1",
            "Lambda-Runtime-Client-Context": json.dumps(cc), "Lambda-Runtime-Cognito-Identity": json.dumps(ident)})
        check("async: response posted", kind == "response", kind)
        doc = doc if isinstance(doc, dict) else {}
        check("async: event passed", doc.get("event") == {"name": "world"}, doc.get("event"))
        check("async: functionName/version", (doc.get("functionName"), doc.get("functionVersion")) == ("demo", "$LATEST"))
        check("async: memoryLimitInMB is the string '256'", doc.get("memoryLimitInMB") == "256", doc.get("memoryLimitInMB"))
        check("async: awsRequestId", doc.get("awsRequestId") == inv_id)
        check("async: invokedFunctionArn", doc.get("invokedFunctionArn") == ARN)
        check("async: remaining time in (0, 3000]", isinstance(doc.get("remaining"), (int, float)) and 0 < doc["remaining"] <= 3000, doc.get("remaining"))
        check("async: log group/stream", (doc.get("logGroupName"), doc.get("logStreamName")) == ("/aws/lambda/demo", "2025/01/01/[$LATEST]abc"))
        check("async: clientContext decoded", doc.get("clientContext") == cc, doc.get("clientContext"))
        check("async: identity decoded", doc.get("identity") == ident, doc.get("identity"))
        check("async: _X_AMZN_TRACE_ID set", doc.get("traceId") == "Root=1-abc;Parent=def;Sampled=1")
        check("async: callbackWaitsForEmptyEventLoop true", doc.get("waits") is True)
        id2, kind, _, doc2, _ = rt.call({"name": "again"})
        doc2 = doc2 if isinstance(doc2, dict) else {}
        check("async: 2nd invocation, trace id cleared, no client context",
              kind == "response" and doc2.get("traceId") is None and doc2.get("clientContext") is None and doc2.get("awsRequestId") == id2)
        ports = {c[1] for c in rt.api.clients}
        check("keep-alive: one connection for /next and /response", len(ports) == 1, ports)
    finally:
        rc, out, err = rt.finish()
    check("logs: console.log → stdout with '<time>\\t<id>\\tINFO\\t'",
          any(l.split("\t")[1:] == [inv_id, "INFO", "hello from world"] and l.split("\t")[0].endswith("Z") for l in out.splitlines()), out)
    check("logs: console.error → stderr, ERROR, newline kept in one line",
          f"\t{inv_id}\tERROR\toops\rsecond line" in err, err)


def test_undefined(root):
    rt = Runtime(root, "index.nothing")
    try:
        _, kind, hdrs, doc, _ = rt.call({})
        check("async undefined result → null", kind == "response" and doc is None, (kind, doc))
    finally:
        rt.finish()


def test_callback(root):
    rt = Runtime(root, "cb.handler")
    try:
        _, kind, _, doc, took = rt.call({"mode": "wait"})
        check("callback: result posted after the event loop empties (>= 0.25 s)",
              kind == "response" and doc == {"ok": "wait"} and took >= 0.25, (kind, doc, took))
        _, kind, _, doc, took = rt.call({"mode": "nowait"})
        check("callback: callbackWaitsForEmptyEventLoop=false posts at once",
              kind == "response" and doc == {"ok": "nowait"} and took < 0.25, (kind, doc, took))
        _, kind, hdrs, doc, _ = rt.call({"mode": "err"})
        check("callback(err): error with errorType RangeError",
              kind == "error" and error_header(hdrs) == "RangeError" and doc.get("errorType") == "RangeError"
              and doc.get("errorMessage") == "out of range" and doc.get("trace", [""])[0] == "RangeError: out of range", (kind, hdrs, doc))
        _, kind, hdrs, doc, _ = rt.call({"mode": "str"})
        check("callback('string'): errorType 'string'",
              kind == "error" and error_header(hdrs) == "string" and doc == {"errorType": "string", "errorMessage": "plain string failure", "trace": []}, doc)
        _, kind, _, doc, _ = rt.call({"mode": "legacy"})
        check("context.succeed (legacy)", kind == "response" and doc == {"legacy": True}, (kind, doc))
        _, kind, _, doc, _ = rt.call({"mode": "double"})
        extra = rt.api.outcome(timeout=0.4)
        check("only the first completion counts", kind == "response" and doc == "first" and extra is None, (kind, doc, extra))
    finally:
        rt.finish()


def test_simple(root, handler, payload, expect, label):
    rt = Runtime(root, handler)
    try:
        _, kind, _, doc, _ = rt.call(payload)
        check(label, kind == "response" and doc == expect, (kind, doc))
    finally:
        rt.finish()


def test_function_error(root, handler, etype, message, label):
    rt = Runtime(root, handler)
    try:
        _, kind, hdrs, doc, _ = rt.call({})
        doc = doc if isinstance(doc, dict) else {}
        trace = doc.get("trace")
        check(label, kind == "error" and error_header(hdrs) == etype and doc.get("errorType") == etype
              and doc.get("errorMessage") == message and isinstance(trace, list)
              and (etype == "string" or (trace and trace[0] == f"{etype}: {message}" and any("sync.js" in t for t in trace))),
              (kind, hdrs and error_header(hdrs), doc))
    finally:
        rc, out, err = rt.finish()
    if etype == "TypeError":
        check("errors: 'Invoke Error' logged to stderr", "\tERROR\tInvoke Error {" in err, err)


def test_fatal(root, handler, etype, message_part, label):
    rt = Runtime(root, handler)
    _, kind, hdrs, doc, _ = rt.call({})
    rc, out, err = rt.finish(wait=3)
    doc = doc if isinstance(doc, dict) else {}
    check(label, kind == "error" and error_header(hdrs) == etype and doc.get("errorType") == etype
          and message_part in str(doc.get("errorMessage")) and rc == 1, (kind, doc, rc, err[-300:]))


def test_init_error(root, handler, etype, message_check, label):
    rt = Runtime(root, handler)
    got = rt.api.outcome()
    rc, out, err = rt.finish(wait=3)
    kind, _, hdrs, body, _ = got or (None, None, None, "{}", None)
    doc = json.loads(body) if body else {}
    check(label, kind == "init_error" and error_header(hdrs) == etype and doc.get("errorType") == etype
          and message_check(doc.get("errorMessage") or "") and isinstance(doc.get("trace"), list) and rc == 1,
          (kind, hdrs and error_header(hdrs), doc.get("errorType"), (doc.get("errorMessage") or "")[:120], rc))


def main():
    started = time.monotonic()
    root = tempfile.mkdtemp(prefix="nimbus-node-test-")
    try:
        for name, text in FILES.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        test_async(root)
        test_undefined(root)
        test_callback(root)
        test_simple(root, "sync.handler", {"n": 21}, {"doubled": 42}, "sync handler: return value is the result")
        test_simple(root, "lib/nested.ns.fn", {"n": 1}, {"nested": True, "n": 1}, "dir/file.a.b nested handler")
        test_simple(root, "dirmod.handler", {}, "from dir", "module as a directory (index.js)")
        test_simple(root, "esmjs/app.handler", {}, {"tla": 7}, "ESM .js (package.json type=module, top-level await)")
        rt = Runtime(root, "esm.handler")
        try:
            inv_id, kind, _, doc, _ = rt.call({"n": 5})
            check("ESM .mjs handler", kind == "response" and doc == {"esm": True, "id": inv_id, "n": 5}, (kind, doc))
        finally:
            rt.finish()
        test_function_error(root, "sync.thrower", "TypeError", "bad input", "thrown error: header + {errorType, errorMessage, trace}")
        test_function_error(root, "sync.rejecter", "ValidationError", "nope", "rejected promise with custom error name")
        test_function_error(root, "sync.throwString", "string", "just a string", "thrown string: errorType 'string'")
        test_fatal(root, "sync.unhandled", "Runtime.UnhandledPromiseRejection", "lost promise",
                   "unhandled rejection → Runtime.UnhandledPromiseRejection, exit 1")
        test_fatal(root, "sync.uncaught", "Error", "kaboom", "uncaught exception → invocation error, exit 1")
        test_init_error(root, "nope.handler", "Runtime.ImportModuleError",
                        lambda m: m.startswith("Error: Cannot find module 'nope'"), "missing module → init/error ImportModuleError, exit 1")
        test_init_error(root, "index.missing", "Runtime.HandlerNotFound",
                        lambda m: m == "index.missing is undefined or not exported", "missing export → HandlerNotFound")
        test_init_error(root, "index", "Runtime.MalformedHandlerName", lambda m: m == "Bad handler", "no '.' → MalformedHandlerName")
        test_init_error(root, "broken.handler", "Runtime.UserCodeSyntaxError",
                        lambda m: m.startswith("SyntaxError:"), "syntax error → UserCodeSyntaxError")
        test_init_error(root, "boom.handler", "RangeError", lambda m: m == "failed at load", "error at load → errorType = its name")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    failed = [n for n, ok in results if not ok]
    print(f"\n{len(results) - len(failed)}/{len(results)} checks passed in {time.monotonic() - started:.2f} s")
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
