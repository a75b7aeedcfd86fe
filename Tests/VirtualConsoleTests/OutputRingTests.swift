import Console
import XCTest

/// The serial mirror's ring: the newest bytes win, losses are counted and
/// reported once the port has caught up.
final class OutputRingTests: XCTestCase {
    func write(_ ring: OutputRing, _ text: String) {
        Array(text.utf8).withUnsafeBufferPointer { ring.write($0) }
    }

    func drained(_ ring: OutputRing, maximum: Int = .max) -> String {
        var bytes: [UInt8] = []
        ring.drain(maximum: maximum) { bytes.append($0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testBytesComeOutInOrderAcrossTheWrap() {
        let ring = OutputRing(capacity: 8)
        write(ring, "abcde")
        XCTAssertEqual(drained(ring, maximum: 3), "abc")
        write(ring, "fghij")
        XCTAssertEqual(ring.count, 7)
        XCTAssertEqual(drained(ring), "defghij")
        XCTAssertTrue(ring.isEmpty)
        XCTAssertEqual(ring.dropped, 0)
        XCTAssertNil(ring.takeDropReport(port: "serial"))
    }

    func testAFullRingDropsTheOldestAndReportsOnceAfterCatchingUp() {
        let ring = OutputRing(capacity: 8)
        write(ring, "01234567")
        write(ring, "lumen> ")
        XCTAssertEqual(ring.dropped, 7)
        XCTAssertNil(ring.takeDropReport(port: "serial"), "not while bytes are still queued")
        XCTAssertEqual(drained(ring), "7lumen> ", "the newest output (the prompt) got through")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 7 bytes of console output not mirrored]\n")
        XCTAssertNil(ring.takeDropReport(port: "serial"), "reported once")
        write(ring, "0123456789")
        _ = drained(ring)
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 2 bytes of console output not mirrored]\n",
                       "a write larger than the ring keeps its newest bytes; only the new loss is reported")
    }
}
