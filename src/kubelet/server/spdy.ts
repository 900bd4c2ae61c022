// The client half of SPDY/3.1 that the kubelet needs to speak to the
// runtime's streaming server when it translates a WebSocket exec/attach:
// open streams (SYN_STREAM) with a few headers, send and receive DATA, half-
// close with FIN, answer the peer's PINGs. The peer (Go's spdystream) does
// no flow control, so there is none here either. Header blocks are written
// as stored (uncompressed) deflate blocks of one zlib stream, which any
// SPDY inflater reads; the blocks we receive are skipped unread, since no
// decision here depends on a reply's headers.
import type { Duplex } from 'node:stream';

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const HEADERS = 8;
const FLAG_FIN = 0x01;
const MAX_DATA = 32 * 1024;

export interface SpdyStream {
  readonly id: number;
  /** Resolves when the peer accepts the stream (SYN_REPLY); rejects on RST_STREAM first. */
  readonly accepted: Promise<void>;
  write(data: Buffer): void;
  /** Half-closes our side: the peer reads EOF. */
  end(): void;
  onData: (data: Buffer) => void;
  /** The peer's side ended (FIN or reset), or the session closed. Called once. */
  onEnd: () => void;
}

/** The name/value block of SPDY/3: a pair count, then length-prefixed names and values. */
export function headerBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    for (const s of [name.toLowerCase(), value]) {
      const b = Buffer.from(s);
      parts.push(u32(b.length), b);
    }
  }
  return Buffer.concat(parts);
}

// An empty stored block: what a zlib sync flush ends with. Go's inflater
// hands over a stored block's bytes only once it has read the next block's
// header, so without this marker it would read past the frame's end.
const SYNC_FLUSH = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** One deflate stored block (not final) and a sync-flush marker, so that a stream of them stays one zlib stream. */
export function storedBlock(data: Buffer, first: boolean): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0;
  head.writeUInt16LE(data.length, 1);
  head.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([first ? Buffer.from([0x78, 0x01]) : Buffer.alloc(0), head, data, SYNC_FLUSH]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(payload.length, 4);
  head[4] = flags;
  return Buffer.concat([head, payload]);
}

export function dataFrame(id: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head[4] = flags;
  return Buffer.concat([head, data]);
}

interface StreamState extends SpdyStream {
  ended: boolean;
  accept(): void;
  reject(err: Error): void;
}

export class SpdySession {
  private readonly socket: Duplex;
  private readonly streams = new Map<number, StreamState>();
  private nextId = 1;
  private compressedOnce = false;
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  /** Called once when the connection is gone. */
  onClose: () => void = () => {};

  constructor(socket: Duplex, leftover: Buffer) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('close', () => this.shutdown());
    socket.on('end', () => this.shutdown());
    socket.on('error', () => this.shutdown());
    if (leftover.length) this.receive(leftover);
    socket.resume();
  }

  open(headers: Record<string, string>): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    let accept!: () => void;
    let reject!: (err: Error) => void;
    const accepted = new Promise<void>((res, rej) => { accept = res; reject = rej; });
    accepted.catch(() => {});
    let finSent = false;
    const s: StreamState = {
      id, accepted, ended: false, accept, reject,
      onData: () => {},
      onEnd: () => {},
      write: (data) => {
        for (let i = 0; i < data.length && !finSent; i += MAX_DATA) this.send(dataFrame(id, 0, data.subarray(i, i + MAX_DATA)));
      },
      end: () => {
        if (finSent) return;
        finSent = true;
        this.send(dataFrame(id, FLAG_FIN, Buffer.alloc(0)));
      },
    };
    this.streams.set(id, s);
    const block = storedBlock(headerBlock(headers), !this.compressedOnce);
    this.compressedOnce = true;
    const fixed = Buffer.alloc(10);
    fixed.writeUInt32BE(id, 0);
    this.send(controlFrame(SYN_STREAM, 0, Buffer.concat([fixed, block])));
    return s;
  }

  close(): void {
    this.socket.destroy();
    this.shutdown();
  }

  private send(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) this.finish(s, new Error('connection closed'));
    this.onClose();
  }

  private finish(s: StreamState, err?: Error): void {
    if (err) s.reject(err);
    if (s.ended) return;
    s.ended = true;
    s.onEnd();
  }

  private receive(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      try {
        this.frame(frame);
      } catch {
        // A frame we cannot read ends the session rather than the kubelet.
        this.close();
        return;
      }
    }
  }

  private frame(f: Buffer): void {
    const flags = f[4]!;
    const payload = f.subarray(8);
    if (!(f[0]! & 0x80)) {
      const s = this.streams.get(f.readUInt32BE(0) & 0x7fffffff);
      if (!s || s.ended) return;
      if (payload.length) s.onData(payload);
      if (flags & FLAG_FIN) this.finish(s);
      return;
    }
    const type = f.readUInt16BE(2);
    const id = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
    const s = this.streams.get(id);
    if (type === SYN_REPLY || type === HEADERS) {
      if (type === SYN_REPLY) s?.accept();
      if (s && flags & FLAG_FIN) this.finish(s);
    } else if (type === RST_STREAM) {
      if (s) this.finish(s, new Error(`stream ${id} reset by the runtime`));
    } else if (type === PING) {
      // Even ids are the server's own pings, which the client echoes.
      if (id % 2 === 0) this.send(controlFrame(PING, 0, payload));
    } else if (type === SYN_STREAM) {
      // The exec protocols never have the server open streams: refuse (REFUSED_STREAM).
      const rst = Buffer.alloc(8);
      rst.writeUInt32BE(id, 0);
      rst.writeUInt32BE(3, 4);
      this.send(controlFrame(RST_STREAM, 0, rst));
    }
    // SETTINGS, WINDOW_UPDATE and GOAWAY need nothing: the peer closes the connection after GOAWAY.
  }
}
