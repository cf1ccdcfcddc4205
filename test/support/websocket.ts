/**
 * Just enough RFC 6455 for tests, dependency-free: the echo origin's `/ws` handler (echoes text and binary
 * messages) and a client that can set the Host header (the gateway routes on it; undici's WebSocket cannot).
 */
import { createHash, randomBytes } from "node:crypto";
import type http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 §1.3
const OP = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface WsMessage {
  opcode: number;
  data: Buffer;
}

function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** One frame; clients must mask (RFC 6455 §5.3), servers must not. */
export function encodeFrame(opcode: number, data: Buffer, mask: boolean): Buffer {
  const len = data.length;
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(header + (mask ? 4 : 0) + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = len;
  else if (len < 65536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  if (mask) {
    out[1]! |= 0x80;
    const key = randomBytes(4);
    key.copy(out, header);
    for (let i = 0; i < len; i++) out[header + 4 + i] = data[i]! ^ key[i % 4]!;
  } else data.copy(out, header);
  return out;
}

/** Splits complete (unfragmented) frames off the front of `buffer`; returns the frames and the unused rest. */
export function decodeFrames(buffer: Buffer): { frames: WsMessage[]; rest: Buffer } {
  const frames: WsMessage[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const opcode = buffer[offset]! & 0x0f;
    const masked = (buffer[offset + 1]! & 0x80) !== 0;
    let len = buffer[offset + 1]! & 0x7f;
    let pos = offset + 2;
    if (len === 126) {
      if (buffer.length < pos + 2) break;
      len = buffer.readUInt16BE(pos);
      pos += 2;
    } else if (len === 127) {
      if (buffer.length < pos + 8) break;
      len = Number(buffer.readBigUInt64BE(pos));
      pos += 8;
    }
    const key = masked ? buffer.subarray(pos, pos + 4) : undefined;
    if (masked) pos += 4;
    if (buffer.length < pos + len) break;
    const data = Buffer.from(buffer.subarray(pos, pos + len));
    if (key) for (let i = 0; i < len; i++) data[i] = data[i]! ^ key[i % 4]!;
    frames.push({ opcode, data });
    offset = pos + len;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** The echo origin's `/ws`: completes the handshake and echoes every text and binary message. */
export function acceptEchoWebSocket(req: http.IncomingMessage, socket: Duplex): void {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || (req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  let pending: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    const { frames, rest } = decodeFrames(Buffer.concat([pending, chunk]));
    pending = rest;
    for (const frame of frames) {
      if (frame.opcode === OP.text || frame.opcode === OP.binary) socket.write(encodeFrame(frame.opcode, frame.data, false));
      else if (frame.opcode === OP.ping) socket.write(encodeFrame(OP.pong, frame.data, false));
      else if (frame.opcode === OP.close) socket.end(encodeFrame(OP.close, frame.data, false));
    }
  });
  socket.on("error", () => socket.destroy());
}

export interface WsClient {
  send(opcode: "text" | "binary", data: Buffer): void;
  next(timeoutMs?: number): Promise<WsMessage>;
  close(): void;
}

/** Opens a WebSocket to `baseUrl` (http://host:port) with the given Host and headers. */
export function connectWebSocket(baseUrl: string, path: string, host: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const base = new URL(baseUrl);
  const key = randomBytes(16).toString("base64");
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port), base.hostname);
    const timer = setTimeout(() => socket.destroy(new Error("WebSocket handshake timed out")), 10_000);
    let buffer: Buffer = Buffer.alloc(0);
    let open = false;
    const messages: WsMessage[] = [];
    const waiters: Array<(m: WsMessage) => void> = [];
    socket.on("connect", () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!open) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString("latin1");
        buffer = buffer.subarray(end + 4);
        clearTimeout(timer);
        if (!/^HTTP\/1\.1 101/.test(head) || !head.toLowerCase().includes(acceptKey(key).toLowerCase())) {
          socket.destroy();
          reject(new Error(`WebSocket handshake refused: ${head.split("\r\n")[0]}`));
          return;
        }
        open = true;
        resolve(client);
      }
      const { frames, rest } = decodeFrames(buffer);
      buffer = rest;
      for (const frame of frames) {
        const waiter = waiters.shift();
        if (waiter) waiter(frame);
        else messages.push(frame);
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      if (!open) reject(err);
    });
    const client: WsClient = {
      send(kind, data) {
        socket.write(encodeFrame(kind === "text" ? OP.text : OP.binary, data, true));
      },
      next(timeoutMs = 5000) {
        const queued = messages.shift();
        if (queued) return Promise.resolve(queued);
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error("no WebSocket message in time")), timeoutMs);
          waiters.push((m) => {
            clearTimeout(t);
            res(m);
          });
        });
      },
      close() {
        socket.end(encodeFrame(OP.close, Buffer.alloc(0), true));
      },
    };
  });
}
