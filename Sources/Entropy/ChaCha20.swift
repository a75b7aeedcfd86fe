/// The ChaCha20 stream cipher as RFC 8439 defines it: 256-bit key, 96-bit nonce,
/// 32-bit block counter, 20 rounds.
///
/// The key and nonce are held as eleven little-endian words in plain stored
/// properties rather than an array, so computing a block touches only registers
/// and the stack: no allocation, which matters both for the kernel (that may run
/// this before it has a heap) and for throughput. A value is cheap to make, so
/// `EntropyPool` builds a new one every time it rekeys.
///
/// Constant time: the block function uses only additions, XORs and fixed rotations,
/// with no data-dependent branches or table look-ups.
public struct ChaCha20 {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let blockSize = 64

    // "expand 32-byte k" as four little-endian words (RFC 8439 §2.3).
    static let constant0: UInt32 = 0x6170_7865
    static let constant1: UInt32 = 0x3320_646e
    static let constant2: UInt32 = 0x7962_2d32
    static let constant3: UInt32 = 0x6b20_6574

    var k0, k1, k2, k3, k4, k5, k6, k7: UInt32
    var n0, n1, n2: UInt32

    /// `key` must hold 32 bytes and `nonce` 12; passing other sizes is a
    /// programming error and traps.
    public init(key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) {
        precondition(key.count == ChaCha20.keySize, "ChaCha20 key must be 32 bytes")
        precondition(nonce.count == ChaCha20.nonceSize, "ChaCha20 nonce must be 12 bytes")
        self.init(key: key.baseAddress!, nonce: nonce.baseAddress!)
    }

    /// The all-zero key and nonce: the state of a pool that has never been seeded.
    init() {
        k0 = 0; k1 = 0; k2 = 0; k3 = 0; k4 = 0; k5 = 0; k6 = 0; k7 = 0
        n0 = 0; n1 = 0; n2 = 0
    }

    /// Reads 32 key bytes at `key` and 12 nonce bytes at `nonce` (any alignment).
    init(key: UnsafeRawPointer, nonce: UnsafeRawPointer) {
        k0 = ChaCha20.word(key, 0); k1 = ChaCha20.word(key, 4)
        k2 = ChaCha20.word(key, 8); k3 = ChaCha20.word(key, 12)
        k4 = ChaCha20.word(key, 16); k5 = ChaCha20.word(key, 20)
        k6 = ChaCha20.word(key, 24); k7 = ChaCha20.word(key, 28)
        n0 = ChaCha20.word(nonce, 0); n1 = ChaCha20.word(nonce, 4); n2 = ChaCha20.word(nonce, 8)
    }

    /// One-shot form of the RFC 8439 §2.3 block function: writes the 64-byte block
    /// for (`key`, `counter`, `nonce`) to the start of `output`, which must have room
    /// for 64 bytes.
    public static func block(key: UnsafeRawBufferPointer, counter: UInt32,
                             nonce: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        ChaCha20(key: key, nonce: nonce).block(counter: counter, into: output)
    }

    /// Writes keystream block number `counter` to the first 64 bytes of `output`.
    public func block(counter: UInt32, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= ChaCha20.blockSize, "ChaCha20 block needs 64 bytes of output")
        generate(counter: counter, to: output.baseAddress!, xor: false)
    }

    /// Fills `output` with keystream starting at block `counter` (any length; a
    /// final partial block is cut short). The keystream for one key and nonce is
    /// 256 GiB long; asking past its end traps rather than silently reusing it.
    public func keystream(counter: UInt32, into output: UnsafeMutableRawBufferPointer) {
        process(counter: counter, output, xor: false)
    }

    /// Encrypts or decrypts `data` in place (RFC 8439 §2.4): XORs it with the
    /// keystream that starts at block `counter`.
    public func apply(counter: UInt32, to data: UnsafeMutableRawBufferPointer) {
        process(counter: counter, data, xor: true)
    }

    func process(counter: UInt32, _ data: UnsafeMutableRawBufferPointer, xor: Bool) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        let blocks = (UInt64(data.count) + 63) / 64
        // A wrapped counter would repeat keystream, which breaks the cipher.
        precondition(UInt64(counter) + blocks <= (1 << 32), "ChaCha20 block counter would wrap")
        let whole = data.count / ChaCha20.blockSize
        var block = counter
        var offset = 0
        for _ in 0..<whole {
            generate(counter: block, to: base + offset, xor: xor)
            block &+= 1
            offset += ChaCha20.blockSize
        }
        let tail = data.count - offset
        if tail > 0 {
            // The last partial block goes through a stack scratch block, then only
            // the bytes the caller asked for are copied or XORed.
            var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
                (0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &scratch) { s in
                generate(counter: block, to: s.baseAddress!, xor: false)
                for i in 0..<tail {
                    let k = s[i]
                    data[offset + i] = xor ? data[offset + i] ^ k : k
                }
            }
            scratch = (0, 0, 0, 0, 0, 0, 0, 0)  // best effort: do not leave keystream on the stack
        }
    }

    /// The block function proper. Writes (or, with `xor`, XORs into) the 64 bytes
    /// at `out`, which need not be aligned.
    @inline(__always)
    func generate(counter: UInt32, to out: UnsafeMutableRawPointer, xor: Bool) {
        var x0 = ChaCha20.constant0, x1 = ChaCha20.constant1
        var x2 = ChaCha20.constant2, x3 = ChaCha20.constant3
        var x4 = k0, x5 = k1, x6 = k2, x7 = k3
        var x8 = k4, x9 = k5, x10 = k6, x11 = k7
        var x12 = counter, x13 = n0, x14 = n1, x15 = n2

        // 20 rounds = 10 double rounds: a column round then a diagonal round.
        for _ in 0..<10 {
            ChaCha20.quarterRound(&x0, &x4, &x8, &x12)
            ChaCha20.quarterRound(&x1, &x5, &x9, &x13)
            ChaCha20.quarterRound(&x2, &x6, &x10, &x14)
            ChaCha20.quarterRound(&x3, &x7, &x11, &x15)
            ChaCha20.quarterRound(&x0, &x5, &x10, &x15)
            ChaCha20.quarterRound(&x1, &x6, &x11, &x12)
            ChaCha20.quarterRound(&x2, &x7, &x8, &x13)
            ChaCha20.quarterRound(&x3, &x4, &x9, &x14)
        }

        // Adding the input state back makes the function non-invertible.
        emit(x0 &+ ChaCha20.constant0, out, 0, xor)
        emit(x1 &+ ChaCha20.constant1, out, 4, xor)
        emit(x2 &+ ChaCha20.constant2, out, 8, xor)
        emit(x3 &+ ChaCha20.constant3, out, 12, xor)
        emit(x4 &+ k0, out, 16, xor)
        emit(x5 &+ k1, out, 20, xor)
        emit(x6 &+ k2, out, 24, xor)
        emit(x7 &+ k3, out, 28, xor)
        emit(x8 &+ k4, out, 32, xor)
        emit(x9 &+ k5, out, 36, xor)
        emit(x10 &+ k6, out, 40, xor)
        emit(x11 &+ k7, out, 44, xor)
        emit(x12 &+ counter, out, 48, xor)
        emit(x13 &+ n0, out, 52, xor)
        emit(x14 &+ n1, out, 56, xor)
        emit(x15 &+ n2, out, 60, xor)
    }

    @inline(__always)
    static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = rotate(d, 16)
        c &+= d; b ^= c; b = rotate(b, 12)
        a &+= b; d ^= a; d = rotate(d, 8)
        c &+= d; b ^= c; b = rotate(b, 7)
    }

    @inline(__always)
    static func rotate(_ v: UInt32, _ n: UInt32) -> UInt32 {
        (v &<< n) | (v &>> (32 &- n))
    }

    /// Little-endian word at `offset`; the byte order is fixed by the RFC, not by the CPU.
    @inline(__always)
    static func word(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func emit(_ v: UInt32, _ out: UnsafeMutableRawPointer, _ offset: Int, _ xor: Bool) {
        var value = v
        if xor { value ^= UInt32(littleEndian: out.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        out.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
}
