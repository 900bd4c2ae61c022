// A minimal protobuf wire-format reader: only what decoding request bodies
// needs (varints, length-delimited fields, fixed 32/64-bit, skipping).
// Errors are plain ProtobufWireErrors; the decoder turns them into 400s.

export class ProtobufWireError extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as two unsigned 32-bit halves, so that 64-bit values lose nothing. */
  varint(): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufWireError('unexpected EOF');
      const b = this.buf[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
    throw new ProtobufWireError('integer overflow');
  }

  /** Field number and wire type of the next field. */
  tag(): { field: number; wire: number } {
    const { lo, hi } = this.varint();
    if (hi !== 0 || lo >>> 3 === 0) throw new ProtobufWireError(`illegal tag ${lo >>> 3}`);
    return { field: lo >>> 3, wire: lo & 7 };
  }

  uint32(): number {
    return this.varint().lo;
  }

  int32(): number {
    return this.varint().lo | 0;
  }

  /** int64 as a JSON number (as JSON.parse would give it: exact up to 2^53). */
  int64(): number {
    const { lo, hi } = this.varint();
    return (hi | 0) * 0x1_0000_0000 + lo;
  }

  int64Big(): bigint {
    const { lo, hi } = this.varint();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  uint64(): number {
    const { lo, hi } = this.varint();
    return hi * 0x1_0000_0000 + lo;
  }

  bool(): boolean {
    const { lo, hi } = this.varint();
    return lo !== 0 || hi !== 0;
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (n.hi !== 0 || n.lo > this.end - this.pos) throw new ProtobufWireError('unexpected EOF');
    const out = this.buf.subarray(this.pos, this.pos + n.lo);
    this.pos += n.lo;
    return out;
  }

  private take(n: number): DataView {
    if (n > this.end - this.pos) throw new ProtobufWireError('unexpected EOF');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return view;
  }

  double(): number {
    return this.take(8).getFloat64(0, true);
  }

  float(): number {
    return this.take(4).getFloat32(0, true);
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_FIXED64: this.take(8); return;
      case WIRE_BYTES: this.bytes(); return;
      case WIRE_FIXED32: this.take(4); return;
      default: throw new ProtobufWireError(`illegal wireType ${wire}`);
    }
  }
}
