import XCTest
import VirtIO

/// `RingIndex.needEvent` against a wide-integer reference, across 16-bit wraparound,
/// and the ring layouts.
final class RingIndexTests: XCTestCase {

    /// Index values around the places arithmetic goes wrong: 0, the sign boundary, 65535.
    static let window: [UInt16] = Array(0...12) + Array(32760...32775) + Array(65523...65535)

    func testReferenceFormulaOnHandPickedCases() {
        // Sanity of the reference itself, then the same cases on the real function.
        let cases: [(event: UInt16, new: UInt16, old: UInt16, expected: Bool, why: String)] = [
            (0, 1, 0, true, "one entry published, asked for entry 0"),
            (1, 1, 0, false, "asked for entry 1, only entry 0 is published"),
            (5, 5, 5, false, "nothing published since the last notification"),
            (3, 10, 0, true, "event inside old..<new"),
            (9, 10, 0, true, "event at new-1, the last one published"),
            (10, 10, 0, false, "event at new, not yet published"),
            (65535, 1, 65535, true, "wrap: entries 65535 and 0 published, asked for 65535"),
            (0, 1, 65535, true, "wrap: asked for entry 0"),
            (1, 1, 65535, false, "wrap: asked for entry 1, not yet published"),
            (65534, 1, 65535, false, "wrap: asked for an entry before old (already told)"),
            (65535, 0, 65535, true, "wrap to exactly 0"),
            (100, 3, 65530, false, "event far ahead"),
            (65533, 3, 65530, true, "event inside a wrapped batch"),
            (2, 3, 65530, true, "event at new-1 after wrap"),
        ]
        for c in cases {
            XCTAssertEqual(referenceNeedEvent(event: c.event, new: c.new, old: c.old), c.expected, "reference: " + c.why)
            XCTAssertEqual(RingIndex.needEvent(event: c.event, new: c.new, old: c.old), c.expected, c.why)
        }
    }

    /// §2.7.10: after publishing a batch of `n` entries, a notification is needed
    /// exactly when `event` is one of those `n` entries: every one of the 65536
    /// possible `event` values is tried, for batches that cross 0 and 32768.
    func testEveryEventValueAroundEveryBatch() {
        for old: UInt16 in [0, 1, 2, 1000, 32767, 32768, 65534, 65535] {
            for published in [0, 1, 2, 3, 7, 255, 256, 32767, 32768, 65535] {
                let new = old &+ UInt16(published)
                var triggered = 0
                for event in 0...UInt16.max {
                    let got = RingIndex.needEvent(event: event, new: new, old: old)
                    if got { triggered += 1 }
                    if got != referenceNeedEvent(event: event, new: new, old: old) {
                        XCTFail("needEvent(event: \(event), new: \(new), old: \(old)) = \(got)")
                        return
                    }
                }
                XCTAssertEqual(triggered, published, "old \(old), \(published) entries")
            }
        }
    }

    func testAllWindowTriples() {
        var mismatches = 0
        for old in RingIndexTests.window {
            for new in RingIndexTests.window {
                for event in RingIndexTests.window
                where RingIndex.needEvent(event: event, new: new, old: old) != referenceNeedEvent(event: event, new: new, old: old) {
                    mismatches += 1
                    if mismatches < 5 { XCTFail("event \(event) new \(new) old \(old)") }
                }
            }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testRandomTriples() {
        var random = SplitMix64(seed: 0x1ce_cafe)
        for _ in 0..<300_000 {
            let value = random.next()
            let old = UInt16(truncatingIfNeeded: value)
            let new = UInt16(truncatingIfNeeded: value >> 16)
            let event = UInt16(truncatingIfNeeded: value >> 32)
            if RingIndex.needEvent(event: event, new: new, old: old) != referenceNeedEvent(event: event, new: new, old: old) {
                XCTFail("event \(event) new \(new) old \(old)")
                return
            }
        }
    }

    func testDistanceWraps() {
        XCTAssertEqual(RingIndex.distance(from: 65530, to: 4), 10)
        XCTAssertEqual(RingIndex.distance(from: 4, to: 4), 0)
        XCTAssertEqual(RingIndex.distance(from: 5, to: 4), 65535)
        XCTAssertEqual(RingIndex.distance(from: 0, to: 65535), 65535)
    }

    // MARK: - Layout

    func testLegacyLayoutMatchesTheLegacyFormula() {
        // Legacy §2.7.2: vring_size(qsz, align) =
        //   ALIGN(16*qsz + 2*(3+qsz), align) + ALIGN(2*3 + 8*qsz, align)
        for exponent in 0...15 {
            let size = 1 << exponent
            let layout = VirtqueueLayout(size: size, legacy: true)
            func align(_ v: Int) -> Int { (v + 4095) / 4096 * 4096 }
            XCTAssertEqual(layout.descriptorOffset, 0)
            XCTAssertEqual(layout.driverOffset, 16 * size)
            XCTAssertEqual(layout.deviceOffset, align(16 * size + 2 * (3 + size)), "size \(size)")
            XCTAssertEqual(layout.deviceOffset % 4096, 0, "legacy used ring is page-aligned")
            XCTAssertEqual(layout.totalSize, align(16 * size + 2 * (3 + size)) + align(6 + 8 * size), "size \(size)")
        }
        // Known values (QEMU's default legacy rings).
        XCTAssertEqual(VirtqueueLayout(size: 256, legacy: true).deviceOffset, 8192)
        XCTAssertEqual(VirtqueueLayout(size: 256, legacy: true).totalSize, 12288)
        XCTAssertEqual(VirtqueueLayout(size: 1024, legacy: true).totalSize, 32768)
        XCTAssertEqual(VirtqueueLayout(size: 8, legacy: true).totalSize, 8192)
    }

    func testLegacyLayoutWithOtherAlignment() {
        let layout = VirtqueueLayout(size: 16, legacy: true, legacyAlignment: 64)
        XCTAssertEqual(layout.driverOffset, 256)
        XCTAssertEqual(layout.deviceOffset, 320)  // 256 + 38 → 320
        XCTAssertEqual(layout.totalSize, 320 + 192)  // 6 + 128 = 134 → 192
    }

    func testModernLayoutIsPackedAndAligned() {
        for exponent in 0...15 {
            let size = 1 << exponent
            let layout = VirtqueueLayout(size: size, legacy: false)
            XCTAssertEqual(layout.descriptorOffset % 16, 0)
            XCTAssertEqual(layout.driverOffset, 16 * size)
            XCTAssertEqual(layout.driverOffset % 2, 0)
            XCTAssertEqual(layout.deviceOffset % 4, 0)
            // avail: flags, idx, ring, used_event ends before used starts
            XCTAssertGreaterThanOrEqual(layout.deviceOffset, layout.driverOffset + 6 + 2 * size)
            XCTAssertLessThan(layout.deviceOffset, layout.driverOffset + 6 + 2 * size + 4)
            XCTAssertEqual(layout.totalSize, layout.deviceOffset + 6 + 8 * size)
        }
        let layout = VirtqueueLayout(size: 256, legacy: false)
        XCTAssertEqual(layout.deviceOffset, 4616)
        XCTAssertEqual(layout.totalSize, 6670)
        let tiny = VirtqueueLayout(size: 1, legacy: false)
        XCTAssertEqual(tiny.deviceOffset, 24)
        XCTAssertEqual(tiny.totalSize, 38)
    }
}
