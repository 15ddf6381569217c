'use strict';
// Nimbus Node.js 20 runtime bootstrap: a Lambda Runtime API client loop that behaves like AWS's
// managed nodejs runtimes (handler resolution, context, callback/async handlers, error shapes, logs).
// Standard library only. Run as `node bootstrap.js` with the usual Lambda environment variables.
// Pre-initialised (NIMBUS_CONFIG_FD set): node starts before any function is known and blocks reading
// {"env": {...}} from that fd; the environment is then replaced by the function's before anything reads it.
// Exit codes: 1 after an init error, an uncaught exception or an unhandled rejection (AWS uses
// 128/129 for the latter two), or when the Runtime API can no longer be reached.

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

if (process.env.NIMBUS_CONFIG_FD) {
  const fd = Number(process.env.NIMBUS_CONFIG_FD);
  const config = JSON.parse(fs.readFileSync(fd, 'utf8'));
  fs.closeSync(fd);
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, config.env);
  process.chdir('/var/task');
}

const env = process.env;
const API = env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const HOST = API.slice(0, API.lastIndexOf(':')).replace(/^\[|\]$/g, '');
const PORT = Number(API.slice(API.lastIndexOf(':') + 1));
const BASE = '/2018-06-01/runtime/';
const agent = new http.Agent({ keepAlive: true });

let requestId = 'undefined'; // log prefix; as on AWS it stays set after the invocation ends
let current = null; // { id, posted } of the latest invocation
let phase = 'init'; // init → ready
let fatal = false;
let deferred = null; // completion waiting for the empty event loop (callbackWaitsForEmptyEventLoop)

// ---- Runtime API client -------------------------------------------------------------------------
function call(method, p, body, headers, retried) {
  return new Promise((resolve, reject) => {
    const h = body === undefined ? { ...headers }
      : { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const req = http.request({ host: HOST, port: PORT, method, path: BASE + p, agent, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (e) => {
      // The API closed an idle keep-alive connection just as we reused it: retry once on a new one.
      if (req.reusedSocket && e.code === 'ECONNRESET' && !retried) resolve(call(method, p, body, headers, true));
      else reject(e);
    });
    req.end(body);
  });
}

function postError(p, doc) {
  const type = String(doc.errorType).replace(/[^\x20-\x7e]/g, '?').slice(0, 1024) || 'Error'; // a legal header value
  return call('POST', p, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': type });
}

// ---- Errors --------------------------------------------------------------------------------------
function runtimeError(name, message, cause) {
  const e = new Error(message);
  e.name = name;
  if (cause && typeof cause.stack === 'string') {
    const own = String(cause); // drop the cause's message lines when they only repeat `message`
    e.stack = `${name}: ${message}\n${cause.stack.startsWith(own) ? cause.stack.slice(own.length + 1) : cause.stack}`;
  }
  return e;
}

// The document AWS's nodejs runtime posts: {errorType, errorMessage, trace}.
function errorDoc(err) {
  try {
    if (util.types.isNativeError(err) || (err !== null && typeof err === 'object' && typeof err.message === 'string')) {
      return {
        errorType: (typeof err.name === 'string' && err.name) || 'Error',
        errorMessage: String(err.message ?? err),
        trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
      };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch (_) {
    return { errorType: 'handled', errorMessage: 'could not read the error\'s name, message or stack', trace: [] };
  }
}

function logError(label, doc) {
  console.error(label, JSON.stringify({ errorType: doc.errorType, errorMessage: doc.errorMessage, stack: doc.trace }));
}

// ---- Logging -------------------------------------------------------------------------------------
const LEVELS = { log: 'INFO', info: 'INFO', debug: 'DEBUG', trace: 'TRACE', warn: 'WARN', error: 'ERROR' };
for (const [method, level] of Object.entries(LEVELS)) {
  const stream = method === 'warn' || method === 'error' ? process.stderr : process.stdout;
  console[method] = (...args) => {
    // Newlines become \r (as AWS does) so that one console call is one log line.
    const msg = util.format(...args).replace(/\n/g, '\r');
    stream.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${msg}\n`);
  };
}

// ---- Handler loading -----------------------------------------------------------------------------
// .mjs via import(); .js/.cjs via require(), falling back to import() for ES modules require() refuses
// (package.json "type": "module" before Node 20.19, or top-level await).
async function loadModule(file) {
  const esm = () => import(pathToFileURL(file).href);
  if (file.endsWith('.mjs')) return esm();
  try {
    return require(file);
  } catch (e) {
    if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) return esm();
    throw e;
  }
}

async function loadHandler() {
  const taskRoot = path.resolve(env.LAMBDA_TASK_ROOT || process.cwd());
  const full = env._HANDLER || '';
  if (full.includes('..')) throw runtimeError('Runtime.MalformedHandlerName', "'..' is not allowed in handler name");
  const base = path.basename(full);
  const moduleRoot = full.slice(0, full.length - base.length);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match || !match[1] || !match[2]) throw runtimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const [, mod, fnPath] = match;
  const stem = path.resolve(taskRoot, moduleRoot, mod);
  let exported;
  try {
    const file = ['.js', '.mjs', '.cjs'].map((x) => stem + x).find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
    if (file) exported = await loadModule(file);
    else if (fs.existsSync(stem)) exported = require(stem); // extensionless file or directory
    else exported = require(require.resolve(mod, { paths: [path.resolve(taskRoot, moduleRoot), taskRoot] }));
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError('Runtime.UserCodeSyntaxError', String(e), e);
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtimeError('Runtime.ImportModuleError', String(e), e);
    }
    throw e; // errorType = the error's own name
  }
  const fn = fnPath.split('.').reduce((o, k) => (o == null ? undefined : o[k]), exported);
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${full} is undefined or not exported`);
  return fn;
}

// ---- Invocation loop -----------------------------------------------------------------------------
function parseJson(text, what) {
  try {
    return text === undefined || text === '' ? undefined : JSON.parse(text);
  } catch (e) {
    throw runtimeError('Runtime.InvalidRequest', `Cannot parse ${what} as JSON: ${e.message}`);
  }
}

function next(handler) {
  call('GET', 'invocation/next').then(
    (res) => (res.status === 200 ? invoke(handler, res) : die(`/next answered ${res.status}: ${res.body}`)),
    (e) => die(`/next failed: ${e.message}`));
}

function invoke(handler, res) {
  const h = res.headers;
  const id = h['lambda-runtime-aws-request-id'];
  const deadline = Number(h['lambda-runtime-deadline-ms']) || 0;
  const inv = { id, posted: false };
  current = inv;
  requestId = id;
  deferred = null;
  if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;

  const report = (err, result) => {
    if (inv.posted) return;
    inv.posted = true;
    deferred = null;
    let body; // undefined, functions and symbols become null; circular structures or BigInt an error
    if (err === undefined) try { body = JSON.stringify(result === undefined ? null : result) ?? 'null'; } catch (e) { err = e; }
    const doc = err === undefined ? null : errorDoc(err);
    if (doc) logError('Invoke Error', doc);
    const send = doc ? postError(`invocation/${id}/error`, doc) : call('POST', `invocation/${id}/response`, body);
    // Any HTTP status (e.g. 413 for a too large result) ends the invocation; only I/O errors are fatal.
    send.then(() => next(handler), (e) => die(`posting the result of ${id} failed: ${e.message}`));
  };

  let settled = false;
  let waits = true;
  const once = (f) => (...args) => (settled ? undefined : ((settled = true), f(...args)));
  const done = once((err, result) => (err !== undefined && err !== null ? report(err) : report(undefined, result)));
  const callback = once((err, result) => {
    if (err !== undefined && err !== null) return report(err);
    if (!waits) return report(undefined, result);
    deferred = () => report(undefined, result); // posted from 'beforeExit' once the loop is empty
  });
  const succeed = (result) => done(null, result);
  const fail = (err) => done(err === undefined || err === null ? 'handled' : err);

  let event;
  const context = {
    get callbackWaitsForEmptyEventLoop() { return waits; },
    set callbackWaitsForEmptyEventLoop(v) { waits = Boolean(v); },
    functionName: env.AWS_LAMBDA_FUNCTION_NAME, functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'], awsRequestId: id,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, // a string, as on AWS
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME, logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: undefined, identity: undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done, succeed, fail,
  };
  try {
    context.clientContext = parseJson(h['lambda-runtime-client-context'], 'client context');
    context.identity = parseJson(h['lambda-runtime-cognito-identity'], 'cognito identity');
    event = res.body === '' ? {} : JSON.parse(res.body); // an empty payload is treated as {}
  } catch (e) {
    return fail(e);
  }
  try {
    const result = handler(event, context, callback);
    if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function') {
      result.then(succeed, fail);
    } else if (handler.length < 3) {
      succeed(result); // a plain function without a callback parameter: its return value is the result
    }
  } catch (e) {
    fail(e);
  }
}

process.on('beforeExit', () => {
  const f = deferred;
  deferred = null;
  if (f) setImmediate(f);
});

// ---- Fatal paths ---------------------------------------------------------------------------------
function die(message) {
  process.stderr.write(`${new Date().toISOString()}\t${requestId}\tERROR\tNimbus runtime: ${message}\n`);
  process.exit(1);
}

// Uncaught exception / unhandled rejection / init failure: report it (init error, or the running
// invocation's error), then exit 1.
function crash(label, doc) {
  if (fatal) return;
  fatal = true;
  logError(label, doc);
  const running = phase === 'ready' && current && !current.posted;
  if (phase !== 'init' && !running) process.exit(1); // between invocations: nothing to report to
  if (running) current.posted = true;
  const exit = () => process.exit(1);
  setTimeout(exit, 2000).unref(); // do not hang on an unresponsive Runtime API
  postError(running ? `invocation/${current.id}/error` : 'init/error', doc).then(exit, exit);
}

process.on('uncaughtException', (err) => crash('Uncaught Exception', errorDoc(err)));
process.on('unhandledRejection', (reason) => {
  const doc = errorDoc(reason);
  let message = doc.errorMessage;
  try { message = String(reason); } catch (_) { /* keep errorDoc's */ }
  crash('Unhandled Promise Rejection', {
    errorType: 'Runtime.UnhandledPromiseRejection',
    errorMessage: message,
    trace: [`Runtime.UnhandledPromiseRejection: ${message}`].concat(doc.trace.slice(1)),
  });
});

loadHandler().then((handler) => {
  phase = 'ready';
  next(handler);
}, (err) => crash('Init Error', errorDoc(err)));
