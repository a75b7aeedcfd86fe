import XCTest
@testable import Entropy

extension EntropyPool {
    mutating func seed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { seed($0) }
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// The current key and nonce words (test-only peek at the state).
    var stateWords: [UInt32] {
        [cipher.k0, cipher.k1, cipher.k2, cipher.k3, cipher.k4, cipher.k5, cipher.k6, cipher.k7,
         cipher.n0, cipher.n1, cipher.n2]
    }

    var bufferBytes: [UInt8] {
        var copy = buffer
        return withUnsafeBytes(of: &copy) { Array($0) }
    }
}

func seeded(_ bytes: [UInt8]) -> EntropyPool {
    var pool = EntropyPool()
    pool.seed(bytes)
    return pool
}

let seedA = (0..<32).map { UInt8($0) }
let seedB = (0..<32).map { UInt8(255 - $0) }

final class EntropyPoolTests: XCTestCase {
    func testSeededStateAndCounters() {
        var pool = EntropyPool()
        XCTAssertFalse(pool.isSeeded)
        XCTAssertTrue(pool.needsReseed)
        XCTAssertEqual(pool.reseedCount, 0)
        pool.seed([])  // empty input is a no-op
        XCTAssertEqual(pool.reseedCount, 0)
        pool.seed(Array(seedA[0..<16]))
        XCTAssertFalse(pool.isSeeded, "16 bytes is less than minimumSeedBytes")
        pool.seed(Array(seedA[16..<32]))
        XCTAssertTrue(pool.isSeeded)
        XCTAssertFalse(pool.needsReseed)
        XCTAssertEqual(pool.reseedCount, 2)

        _ = pool.bytes(1000)
        _ = pool.bytes(24)
        XCTAssertEqual(pool.bytesSinceReseed, 1024)
        _ = pool.bytes(Int(EntropyPool.reseedInterval.bytes) - 1024)
        XCTAssertTrue(pool.needsReseed, "a reseed is due after reseedInterval.bytes of output")
        pool.seed(seedB)
        XCTAssertEqual(pool.bytesSinceReseed, 0)
        XCTAssertEqual(pool.reseedCount, 3)
        XCTAssertFalse(pool.needsReseed)
        XCTAssertEqual(EntropyPool.reseedInterval.seconds, 300)
    }

    func testSameSeedSameStream() {
        var a = seeded(seedA)
        var b = seeded(seedA)
        XCTAssertEqual(a.bytes(5000), b.bytes(5000))
        // init(seed:) is the same as init() then seed(_:).
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: seedA.count, alignment: 1)
        defer { raw.deallocate() }
        raw.copyBytes(from: seedA)
        var c = EntropyPool(seed: UnsafeRawBufferPointer(raw))
        var d = seeded(seedA)
        XCTAssertEqual(c.bytes(100), d.bytes(100))
    }

    func testDifferentSeedsDifferentStreams() {
        var a = seeded(seedA)
        var b = seeded(seedB)
        XCTAssertNotEqual(a.bytes(64), b.bytes(64))
        // A single flipped bit anywhere in a long seed (several 44-byte pieces)
        // changes the whole stream.
        let long = (0..<100).map { UInt8($0) }
        for position in [0, 43, 44, 99] {
            var flipped = long
            flipped[position] ^= 0x01
            var x = seeded(long)
            var y = seeded(flipped)
            let sx = x.bytes(64), sy = y.bytes(64)
            XCTAssertNotEqual(sx, sy, "flip at \(position)")
            XCTAssertGreaterThan(zip(sx, sy).filter { $0 != $1 }.count, 48, "flip at \(position)")
        }
    }

    func testSeedingTwiceDiffersFromOnce() {
        var once = seeded(seedA)
        var twice = seeded(seedA)
        twice.seed(seedA)
        XCTAssertNotEqual(once.bytes(64), twice.bytes(64))
    }

    /// Seeding mixes into the state rather than replacing it: the same input on top
    /// of different states gives different streams, so input cannot reset the pool
    /// to a known state.
    func testSeedMixesRatherThanReplaces() {
        var a = seeded(seedA)
        var b = seeded(seedB)
        let attacker = [UInt8](repeating: 0, count: 44)
        a.seed(attacker)
        b.seed(attacker)
        XCTAssertNotEqual(a.stateWords, b.stateWords)
        XCTAssertNotEqual(a.bytes(64), b.bytes(64))
    }

    /// After a seed, output comes from the new state at once; keystream buffered
    /// before the seed is thrown away.
    func testSeedDiscardsBufferedKeystream() {
        var a = seeded(seedA)
        var b = seeded(seedA)
        _ = a.bytes(10)
        let continued = a.bytes(54)
        _ = b.bytes(10)
        b.seed([1, 2, 3])
        let reseeded = b.bytes(54)
        XCTAssertNotEqual(continued, reseeded)
        XCTAssertTrue(b.bufferBytes.prefix(EntropyPool.bufferSize - b.available).allSatisfy { $0 == 0 })
    }

    /// The stream does not depend on how it is cut into fill calls.
    func testStreamIndependentOfChunking() {
        var whole = seeded(seedA)
        let expected = whole.bytes(5000)
        var pieces = seeded(seedA)
        var got: [UInt8] = []
        for size in [0, 1, 63, 64, 65, 979, 980, 981, 1024, 1] { got += pieces.bytes(size) }
        got += pieces.bytes(5000 - got.count)
        XCTAssertEqual(got, expected)
    }

    func testFillSizes() {
        var pool = seeded(seedA)
        var total: UInt64 = 0
        for size in [0, 1, 63, 64, 65, 1000, 1 << 20] {
            let out = pool.bytes(size)
            XCTAssertEqual(out.count, size)
            if size >= 63 {
                XCTAssertTrue(out.contains { $0 != 0 }, "fill(\(size)) is all zero")
            }
            total += UInt64(size)
            XCTAssertEqual(pool.bytesSinceReseed, total)
        }
        // A one-byte fill gives a zero byte 1/256 of the time; many of them must not all be zero.
        let singles = (0..<64).map { _ in pool.bytes(1)[0] }
        XCTAssertTrue(singles.contains { $0 != 0 })
    }

    /// Fill into an unaligned slice of a larger buffer leaves the neighbours alone.
    func testFillStaysInBounds() {
        var pool = seeded(seedA)
        var storage = [UInt8](repeating: 0xEE, count: 200)
        storage.withUnsafeMutableBytes { raw in
            pool.fill(UnsafeMutableRawBufferPointer(rebasing: raw[3..<130]))
        }
        XCTAssertEqual(storage[0..<3], [0xEE, 0xEE, 0xEE])
        XCTAssertTrue(storage[130...].allSatisfy { $0 == 0xEE })
    }

    /// An unseeded pool still works (predictably): it must not trap.
    func testUnseededPoolProducesOutput() {
        var pool = EntropyPool()
        XCTAssertTrue(pool.bytes(100).contains { $0 != 0 })
    }

    /// Byte frequencies over 1 MiB: chi-square with 255 degrees of freedom has mean
    /// 255 and standard deviation ~22.6; the bounds are about ±5 sigma, so this
    /// catches broken output (stuck bytes, a short cycle), not subtle bias.
    func testByteFrequencyChiSquare() {
        var pool = seeded(seedB)
        let count = 1 << 20
        let data = pool.bytes(count)
        var histogram = [Int](repeating: 0, count: 256)
        for byte in data { histogram[Int(byte)] += 1 }
        let expected = Double(count) / 256
        let chiSquare = histogram.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        print("chi-square over 1 MiB (255 dof): \(chiSquare)")
        XCTAssertGreaterThan(chiSquare, 140)
        XCTAssertLessThan(chiSquare, 390)
    }

    /// Ones in 8 Mi bits: expected 4 Mi, standard deviation ~1448; allow ~7 sigma.
    /// Also each bit position separately (1 Mi samples, sigma 512).
    func testBitBalance() {
        var pool = seeded(seedA)
        let data = pool.bytes(1 << 20)
        var ones = 0
        var perPosition = [Int](repeating: 0, count: 8)
        for byte in data {
            ones += byte.nonzeroBitCount
            for bit in 0..<8 where byte & (1 << bit) != 0 { perPosition[bit] += 1 }
        }
        XCTAssertLessThan(abs(ones - (4 << 20)), 10_000, "ones: \(ones)")
        for (bit, n) in perPosition.enumerated() {
            XCTAssertLessThan(abs(n - (1 << 19)), 3_600, "bit \(bit): \(n)")
        }
    }

    /// Fast key erasure: the first fill after seeding rekeys, a fill that runs
    /// past the buffer rekeys again, and bytes already handed out are wiped from
    /// the pool's memory.
    func testFastKeyErasure() {
        var pool = seeded(seedA)
        let afterSeed = pool.stateWords
        let first = pool.bytes(16)
        let afterFirstFill = pool.stateWords
        XCTAssertNotEqual(afterSeed, afterFirstFill, "fill must replace the key")
        XCTAssertEqual(pool.available, EntropyPool.bufferSize - 44 - 16)

        // Handed-out bytes and the bytes that became the key are zero in the buffer.
        let buffer = pool.bufferBytes
        XCTAssertTrue(buffer[0..<(44 + 16)].allSatisfy { $0 == 0 })
        // The output never appears in the state that remains.
        XCTAssertFalse(contains(buffer, first))

        _ = pool.bytes(EntropyPool.bufferSize)
        XCTAssertNotEqual(pool.stateWords, afterFirstFill, "a long fill rekeys again")

        // Running the generator on from the current key does not reproduce output
        // already handed out.
        var successor = EntropyPool()
        successor.cipher = pool.cipher
        successor.available = 0
        XCTAssertFalse(contains(successor.bytes(4096), first))
    }

    func testUniformBelow() {
        var pool = seeded(seedA)
        XCTAssertEqual(pool.uniform(below: 1), 0)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 {
            let v = pool.uniform(below: 6)
            XCTAssertLessThan(v, 6)
            counts[Int(v)] += 1
        }
        for n in counts { XCTAssertLessThan(abs(n - 10_000), 600, "counts \(counts)") }
        // A bound that forces many rejections still terminates and stays in range.
        let big: UInt64 = (1 << 63) + 1
        for _ in 0..<1000 { XCTAssertLessThan(pool.uniform(below: big), big) }
        XCTAssertNotEqual(pool.next(), pool.next())
    }

    /// The jitter helper is deterministic in the clock readings and sensitive to
    /// every difference between them.
    func testJitterSample() {
        func clock(_ deltas: [UInt64]) -> () -> UInt64 {
            var t: UInt64 = 1_000_000
            var i = 0
            return {
                t += deltas[i % deltas.count]
                i += 1
                return t
            }
        }
        let a = EntropyPool.jitterSample(clock([3, 5, 4, 4, 6]))
        let b = EntropyPool.jitterSample(clock([3, 5, 4, 4, 6]))
        XCTAssertEqual(a, b)
        var deltas = [UInt64](repeating: 4, count: 65)
        let steady = EntropyPool.jitterSample(clock(deltas))
        for position in [1, 30, 64] {
            deltas = [UInt64](repeating: 4, count: 65)
            deltas[position] = 5
            XCTAssertNotEqual(EntropyPool.jitterSample(clock(deltas)), steady, "delta \(position)")
        }
        // The absolute clock value does not matter, only the differences.
        var t: UInt64 = 77
        let shifted = EntropyPool.jitterSample { t += 4; return t }
        XCTAssertEqual(shifted, steady)
    }

    func testSeedWithJitter() {
        var counter: UInt64 = 0
        var x: UInt64 = 0x1234_5678
        let noisyClock: () -> UInt64 = {
            // xorshift stands in for scheduling noise in the gap between reads
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            counter += 1 + (x & 3)
            return counter
        }
        var pool = EntropyPool()
        pool.seedWithJitter(noisyClock)
        XCTAssertTrue(pool.isSeeded)
        XCTAssertEqual(pool.reseedCount, 1)
        var other = EntropyPool()
        other.seedWithJitter(samples: 3, noisyClock)
        XCTAssertEqual(other.reseedCount, 1)
        XCTAssertFalse(other.isSeeded, "3 samples = 24 bytes is under minimumSeedBytes")
        XCTAssertNotEqual(pool.bytes(32), other.bytes(32))
    }

    /// Not a test of speed (nothing is asserted): prints how fast the pool fills.
    func testFillThroughput() {
        var pool = seeded(seedA)
        let total = 4 << 20
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let start = ContinuousClock.now
        chunk.withUnsafeMutableBytes { raw in
            for _ in 0..<(total / raw.count) { pool.fill(raw) }
        }
        let seconds = secondsSince(start)
        var small = seeded(seedA)
        let smallStart = ContinuousClock.now
        var sink: UInt64 = 0
        for _ in 0..<(total / 8) { sink ^= small.next() }
        let smallSeconds = secondsSince(smallStart)
        print("EntropyPool.fill: 4 MiB in 64 KiB calls: \(milliseconds(seconds)) ms = \(megabytesPerSecond(total, seconds)) MB/s; "
              + "next() x \(total / 8): \(milliseconds(smallSeconds)) ms = \(megabytesPerSecond(total, smallSeconds)) MB/s")
        XCTAssertEqual(pool.bytesSinceReseed, UInt64(total))
        XCTAssertNotEqual(sink, 0)
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
        return true
    }
    return false
}
