/// A cryptographically secure random number generator built like OpenBSD's
/// arc4random: the state is a ChaCha20 key and nonce (44 bytes); output comes from
/// a 1 KiB buffer of keystream.
///
/// Fast key erasure: every time the buffer is refilled, the first 44 bytes of the
/// fresh keystream immediately become the next key and nonce and are wiped, and
/// every byte handed out is wiped from the buffer as it goes. So the state never
/// holds anything from which output already returned could be recomputed; someone
/// who reads the pool's memory later learns nothing about earlier output. The key
/// is replaced at least every 980 bytes of output, and by the first `fill` after a
/// `seed`.
///
/// Seeding (`seed`) XORs the input into fresh keystream and rekeys from the result,
/// so the new key depends on both the old state and the input: input, even input
/// chosen by an attacker who cannot see the state, never lowers the entropy already
/// there. A new pool starts from an all-zero key, so its output is predictable until
/// it is seeded: check `isSeeded` before trusting it.
///
/// Typical kernel use: seed from virtio-rng at boot (or, without an rng device,
/// with `seedWithJitter`), then reseed when `bytesSinceReseed` passes
/// `reseedInterval.bytes` or `reseedInterval.seconds` have passed on the kernel's
/// clock.
///
/// The pool is noncopyable on purpose: a copy would be a second generator with the
/// same state, and the two would hand out identical "random" bytes. Keep one (for
/// example a global) and pass it `inout`. (That also means it cannot conform to the
/// standard library's `RandomNumberGenerator`, which requires `Copyable`; use
/// `next()` and `uniform(below:)`.)
///
/// Not thread-safe; the kernel serialises access. Nothing here allocates.
public struct EntropyPool: ~Copyable {
    /// Key plus nonce: what a rekey takes from the keystream.
    static let stateSize = ChaCha20.keySize + ChaCha20.nonceSize
    /// Keystream generated per rekey: 16 blocks, as OpenBSD does. Larger amortises
    /// the 44 bytes spent on the next key; smaller keeps less future output in memory.
    public static let bufferSize = 16 * ChaCha20.blockSize
    /// How much input the pool must have absorbed before `isSeeded` is true: one
    /// key's worth. The byte count is all the pool can see; whether those bytes carry
    /// that much entropy is the seeder's business.
    public static let minimumSeedBytes = 32

    /// Suggested reseed policy: after this much output or this much time, whichever
    /// comes first. The pool counts bytes (`needsReseed`); the kernel watches the clock.
    public struct ReseedInterval: Sendable {
        public let bytes: UInt64
        public let seconds: UInt64
    }
    public static let reseedInterval = ReseedInterval(bytes: 1 << 20, seconds: 300)

    // 1 KiB of keystream in fixed storage (sixteen 64-byte rows), so filling never
    // allocates.
    typealias Row = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    typealias Buffer = (Row, Row, Row, Row, Row, Row, Row, Row,
                        Row, Row, Row, Row, Row, Row, Row, Row)
    static let zeroRow: Row = (0, 0, 0, 0, 0, 0, 0, 0)
    static let zeroBuffer: Buffer = (zeroRow, zeroRow, zeroRow, zeroRow, zeroRow, zeroRow, zeroRow, zeroRow,
                                     zeroRow, zeroRow, zeroRow, zeroRow, zeroRow, zeroRow, zeroRow, zeroRow)

    /// The current key and nonce. Each key is used for exactly one generation (one
    /// buffer refill, or one block while seeding) and then replaced, so the block
    /// counter always starts at 0 and no (key, nonce, counter) is ever reused.
    var cipher: ChaCha20
    var buffer: Buffer
    /// Unread keystream: the last `available` bytes of `buffer`. Everything before
    /// them is zero.
    var available: Int
    /// Total input absorbed by `seed`, for `isSeeded`.
    var absorbedBytes: UInt64

    /// Bytes of output since the last `seed` (or since creation).
    public private(set) var bytesSinceReseed: UInt64
    /// How many times `seed` has absorbed input; the first seeding counts.
    public private(set) var reseedCount: Int

    /// True once the pool has absorbed at least `minimumSeedBytes` of input.
    public var isSeeded: Bool { absorbedBytes >= UInt64(EntropyPool.minimumSeedBytes) }

    /// True when the pool is unseeded or has produced `reseedInterval.bytes` since
    /// the last seed. (The time half of the policy is the kernel's.)
    public var needsReseed: Bool {
        !isSeeded || bytesSinceReseed >= EntropyPool.reseedInterval.bytes
    }

    /// An unseeded pool (all-zero key): its output is predictable until `seed`.
    public init() {
        cipher = ChaCha20()
        buffer = EntropyPool.zeroBuffer
        available = 0
        absorbedBytes = 0
        bytesSinceReseed = 0
        reseedCount = 0
    }

    /// A pool seeded with `seed`.
    public init(seed: UnsafeRawBufferPointer) {
        self.init()
        self.seed(seed)
    }

    /// Mixes `bytes` into the state. Any length; empty input changes nothing.
    /// Counts as one reseed: resets `bytesSinceReseed`, increments `reseedCount`.
    ///
    /// For each 44-byte piece of input: take one fresh keystream block from the
    /// current key, XOR the piece into its first 44 bytes, and make those the new
    /// key and nonce. Afterwards the buffered keystream, which came from the old
    /// state, is discarded so all later output depends on the input.
    public mutating func seed(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        absorb(bytes)
        finishSeeding(absorbed: bytes.count)
    }

    /// The mixing half of `seed`, without the bookkeeping.
    mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        guard let input = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let piece = min(EntropyPool.stateSize, bytes.count - offset)
            let current = cipher
            // Work in the pool's own buffer rather than a stack temporary: it is
            // wiped in `finishSeeding`, and a store to it cannot be optimised away.
            let next: ChaCha20 = withUnsafeMutableBytes(of: &buffer) { buf in
                let base = buf.baseAddress!
                current.generate(counter: 0, to: base, xor: false)
                for i in 0..<piece {
                    buf[i] ^= input.load(fromByteOffset: offset + i, as: UInt8.self)
                }
                return ChaCha20(key: UnsafeRawPointer(base), nonce: UnsafeRawPointer(base + ChaCha20.keySize))
            }
            cipher = next
            offset += piece
        }
    }

    /// Drops keystream made before the input arrived and records the reseed.
    mutating func finishSeeding(absorbed: Int) {
        buffer = EntropyPool.zeroBuffer
        available = 0
        absorbedBytes &+= UInt64(absorbed)
        reseedCount &+= 1
        bytesSinceReseed = 0
    }

    /// Fills `output` with random bytes. Never fails and never traps; before the pool
    /// is seeded the bytes are predictable (see `isSeeded`).
    public mutating func fill(_ output: UnsafeMutableRawBufferPointer) {
        guard let out = output.baseAddress, output.count > 0 else { return }
        var done = 0
        while done < output.count {
            if available == 0 { refill() }
            let take = min(available, output.count - done)
            let start = EntropyPool.bufferSize - available
            withUnsafeMutableBytes(of: &buffer) { buf in
                let source = buf.baseAddress! + start
                (out + done).copyMemory(from: source, byteCount: take)
                // Wipe what was handed out, so the pool's memory never holds past output.
                source.initializeMemory(as: UInt8.self, repeating: 0, count: take)
            }
            available -= take
            done += take
        }
        bytesSinceReseed &+= UInt64(output.count)
    }

    /// Replaces the buffer with fresh keystream and rekeys from its first 44 bytes.
    mutating func refill() {
        let current = cipher
        let next: ChaCha20 = withUnsafeMutableBytes(of: &buffer) { buf in
            current.keystream(counter: 0, into: buf)
            let base = buf.baseAddress!
            let next = ChaCha20(key: UnsafeRawPointer(base), nonce: UnsafeRawPointer(base + ChaCha20.keySize))
            base.initializeMemory(as: UInt8.self, repeating: 0, count: EntropyPool.stateSize)
            return next
        }
        cipher = next
        available = EntropyPool.bufferSize - EntropyPool.stateSize
    }

    /// A random 64-bit value.
    public mutating func next() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }

    /// A uniformly distributed value in `0..<bound` (`bound` must be > 0), without
    /// the bias of `next() % bound`: Lemire's multiply-and-reject method.
    public mutating func uniform(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "uniform(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            // Values of `low` below (2^64 mod bound) would favour some results.
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    // MARK: Seeding without an rng device

    /// Condenses the timing jitter of 64 back-to-back reads of a fast clock into 64
    /// bits. `read` returns the clock (in the kernel, the generic timer's virtual
    /// count). Only differences between reads matter, not the clock's value. Each
    /// step folds one difference into the accumulator with XOR, an odd multiply and
    /// a rotate; for a given difference that is a permutation of the accumulator, so
    /// later readings never erase what earlier ones put in (up to 64 bits).
    ///
    /// This is a weak source: assume a fraction of a bit of entropy per read, and
    /// none at all from a clock that does not advance (the kernel should check that
    /// its clock moves). Use it only when there is no rng device, through
    /// `seedWithJitter`, which oversamples.
    public static func jitterSample(_ read: () -> UInt64) -> UInt64 {
        var accumulator: UInt64 = 0
        var last = read()
        for _ in 0..<64 {
            let now = read()
            accumulator ^= now &- last
            accumulator &*= 0x9E37_79B9_7F4A_7C15
            accumulator = (accumulator &<< 23) | (accumulator &>> 41)
            last = now
        }
        return accumulator
    }

    /// Seeds the pool from `samples` jitter samples (`samples` × 64 clock reads),
    /// absorbing them eight at a time so the input reaches the key as it is
    /// gathered. Counts as one reseed of `samples` × 8 bytes. The default, 256
    /// samples (16384 reads, 2 KiB of input for an assumed few hundred bits of
    /// entropy), is an emergency measure for machines without virtio-rng.
    public mutating func seedWithJitter(samples: Int = 256, _ read: () -> UInt64) {
        guard samples > 0 else { return }
        var batch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = samples
        while remaining > 0 {
            let count = min(remaining, 8)
            withUnsafeMutableBytes(of: &batch) { raw in
                for i in 0..<count {
                    raw.storeBytes(of: EntropyPool.jitterSample(read), toByteOffset: i * 8, as: UInt64.self)
                }
                absorb(UnsafeRawBufferPointer(rebasing: raw[0..<(count * 8)]))
            }
            remaining -= count
        }
        batch = (0, 0, 0, 0, 0, 0, 0, 0)
        finishSeeding(absorbed: samples * 8)
    }
}
