import Console
import XCTest

/// The serial mirror's ring: a flood's start and end get through, its middle
/// gives way, and the loss is reported once the port has caught up.
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

    /// The command line's echo (the oldest bytes) and the prompt (the newest)
    /// both reach the port; the middle of the flood is dropped and counted.
    func testAFloodKeepsItsStartAndItsEndAndReportsTheMiddleOnce() {
        let ring = OutputRing(capacity: 16)  // 4 protected bytes
        write(ring, "$ ls")
        write(ring, "aaaaaaaa")
        write(ring, "bbbbbbbb")
        write(ring, "> ")
        XCTAssertEqual(ring.dropped, 6)
        XCTAssertNil(ring.takeDropReport(port: "serial"), "not while bytes are still queued")
        XCTAssertEqual(drained(ring), "$ lsaabbbbbbbb> ")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 6 bytes of console output not mirrored]\n")
        XCTAssertNil(ring.takeDropReport(port: "serial"), "reported once")
    }

    func testAWriteLargerThanTheRingKeepsItsNewestBytesAndTheProtectedOnes() {
        let ring = OutputRing(capacity: 8)  // 2 protected bytes
        write(ring, "$ ")
        write(ring, "0123456789")
        XCTAssertEqual(drained(ring), "$ 456789")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 4 bytes of console output not mirrored]\n")
        write(ring, "abcdefghij")
        XCTAssertEqual(drained(ring), "efghij", "an empty ring protects the start of the write it keeps")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 4 bytes of console output not mirrored]\n",
                       "only the new loss is reported")
    }
}
