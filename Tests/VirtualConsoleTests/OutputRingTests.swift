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
        let ring = OutputRing(capacity: 16)  // 4 protected bytes before a ring of 16
        write(ring, "$ ls")
        write(ring, "aaaaaaaa")
        write(ring, "bbbbbbbb")
        write(ring, "ccc> ")
        XCTAssertEqual(ring.count, 20)
        XCTAssertEqual(ring.dropped, 5)
        XCTAssertNil(ring.takeDropReport(port: "serial"), "not while bytes are still queued")
        XCTAssertEqual(drained(ring), "$ lsaaabbbbbbbbccc> ")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 5 bytes of console output not mirrored]\n")
        XCTAssertNil(ring.takeDropReport(port: "serial"), "reported once")
    }

    /// The start is protected only while nothing is queued behind it: a write
    /// that arrives while the port is still busy with a backlog cannot jump it.
    func testTheProtectedStartIsTheStartOfAFloodNotOfEveryWrite() {
        let ring = OutputRing(capacity: 8)  // 2 protected bytes
        write(ring, "abcde")
        XCTAssertEqual(drained(ring, maximum: 1), "a")
        write(ring, "fg")
        XCTAssertEqual(drained(ring), "bcdefg", "order is kept when the front has room again")
        XCTAssertEqual(ring.dropped, 0)
    }

    func testAWriteLargerThanTheRingKeepsItsStartAndItsNewestBytes() {
        let ring = OutputRing(capacity: 8)  // 2 protected bytes
        write(ring, "$ ")
        write(ring, "0123456789")
        XCTAssertEqual(drained(ring), "$ 23456789")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 2 bytes of console output not mirrored]\n")
        write(ring, "abcdefghijklmnop")
        XCTAssertEqual(drained(ring), "abijklmnop", "an empty ring protects the start of the next flood")
        XCTAssertEqual(ring.takeDropReport(port: "serial"),
                       "\n[serial: the port fell behind; 6 bytes of console output not mirrored]\n",
                       "only the new loss is reported")
    }

    /// Once a flood overflows the ring, only its last lines wait for the port,
    /// so the prompt gets there soon; a burst that fits loses nothing.
    func testAnOverflowingFloodKeepsAShortTailUntilThePortCatchesUp() {
        let ring = OutputRing(capacity: 8, protectedBytes: 2, floodTail: 3)
        write(ring, "$ 012345")
        write(ring, "67")
        XCTAssertEqual(ring.dropped, 0, "a burst that fits loses nothing")
        write(ring, "89")
        XCTAssertEqual(drained(ring), "$ 789")
        XCTAssertEqual(ring.dropped, 7)
        write(ring, "$ abcdefgh")
        XCTAssertEqual(drained(ring), "$ abcdefgh", "caught up: the next burst gets the whole ring again")
    }
}
