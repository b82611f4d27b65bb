'use strict';
// JSON-RPC 2.0 with LSP framing to an explaind child process, without dependencies (no vscode here,
// so node --test can drive it against the real daemon).
const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');

const ErrorCodes = Object.freeze({
  ParseError: -32700, InvalidRequest: -32600, MethodNotFound: -32601, InvalidParams: -32602,
  InternalError: -32603, ServerNotInitialized: -32002, RequestCancelled: -32800,
});

class ResponseError extends Error {
  constructor({ code, message, data }, method) {
    super(code === ErrorCodes.MethodNotFound
      ? `this daemon has no ${method} (method not found); update explaind`
      : `${message} (${code})`);
    this.code = code;
    this.data = data;
  }
}

function encodeFrame(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

// `Content-Length: N\r\n` (other headers ignored) `\r\n`, then N bytes: counted in bytes, so a chunk
// boundary inside a multibyte character or a header is harmless.
class FrameParser {
  constructor() { this.buffer = Buffer.alloc(0); }

  // Returns the messages completed by `chunk`.
  push(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const messages = [];
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) break;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /^content-length:\s*(\d+)\s*$/im.exec(header);
      if (!match) throw new Error(`frame without Content-Length: ${JSON.stringify(header)}`);
      const start = headerEnd + 4, end = start + Number(match[1]);
      if (this.buffer.length < end) break;
      messages.push(JSON.parse(this.buffer.subarray(start, end).toString('utf8')));
      this.buffer = this.buffer.subarray(end);
    }
    return messages;
  }
}

// One explaind process. Events: 'notification' (method, params), 'exit' (code), 'stderr' (text).
class ExplaindClient extends EventEmitter {
  constructor(command, args = []) {
    super();
    this.nextId = 1;
    this.pending = new Map();
    this.parser = new FrameParser();
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code) => {
        this.exitCode = code;
        for (const { reject, method } of this.pending.values()) {
          reject(new ResponseError({ code: ErrorCodes.InternalError, message: `explaind exited (${code})` }, method));
        }
        this.pending.clear();
        this.emit('exit', code);
        resolve(code);
      });
    });
    this.process.on('error', (error) => {
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
      this.startError = error;
    });
    this.process.stdin.on('error', () => {});  // EPIPE after exit surfaces as 'close' above
    this.process.stderr.on('data', (chunk) => this.emit('stderr', chunk.toString('utf8')));
    this.process.stdout.on('data', (chunk) => {
      let messages;
      try { messages = this.parser.push(chunk); } catch (error) { this.emit('error', error); return; }
      for (const message of messages) this.dispatch(message);
    });
  }

  dispatch(message) {
    for (const m of Array.isArray(message) ? message : [message]) {
      if (m.id !== undefined && m.id !== null && ('result' in m || 'error' in m)) {
        const request = this.pending.get(m.id);
        if (!request) continue;
        this.pending.delete(m.id);
        if (m.error) request.reject(new ResponseError(m.error, request.method)); else request.resolve(m.result);
      } else if (m.method) {
        this.emit('notification', m.method, m.params);
      }
    }
  }

  send(message) {
    if (this.startError) throw this.startError;
    this.process.stdin.write(encodeFrame({ jsonrpc: '2.0', ...message }));
  }

  // Sends a request: { id, result } where result is a Promise of the reply's result.
  start(method, params = {}) {
    const id = this.nextId++;
    const result = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
    this.send({ id, method, params });
    return { id, result };
  }

  request(method, params) { return this.start(method, params).result; }

  notify(method, params = {}) { this.send({ method, params }); }

  // The request then fails with code -32800 (ErrorCodes.RequestCancelled).
  cancel(id) { this.notify('$/cancelRequest', { id }); }

  // initialize with utf-16 positions: JavaScript string indices, and VS Code's own.
  async initialize(clientName = 'explaind-vscode') {
    this.info = await this.request('initialize', { clientInfo: { name: clientName }, positionEncodings: ['utf-16'] });
    if (this.info.positionEncoding !== 'utf-16') {
      throw new Error(`explaind chose ${this.info.positionEncoding} positions, not utf-16`);
    }
    this.notify('initialized');
    return this.info;
  }

  // shutdown, exit; resolves with the exit code (0 after a clean shutdown).
  async shutdown(timeoutMs = 5000) {
    if (this.exitCode !== undefined) return this.exitCode;
    const timer = setTimeout(() => this.process.kill(), timeoutMs);
    try {
      await this.request('shutdown');
      this.notify('exit');
      this.process.stdin.end();
    } catch (_) { /* already gone */ }
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

module.exports = { ExplaindClient, FrameParser, ResponseError, ErrorCodes, encodeFrame };
