import XCTest
@testable import Storage

final class RAMDiskTests: XCTestCase {
    func testWriteThenReadReturnsTheSameSectors() throws {
        let disk = RAMDisk(sectorCount: 16)
        let data = pattern(3 * 512)
        try data.withUnsafeBytes { try disk.write(sector: 5, count: 3, from: $0) }
        var back = [UInt8](repeating: 0, count: 3 * 512)
        try back.withUnsafeMutableBytes { try disk.read(sector: 5, count: 3, into: $0) }
        XCTAssertTrue(back == data, "sectors read back differ")
        XCTAssertEqual(disk.counters.writes, 1)
        XCTAssertEqual(disk.counters.reads, 1)
        XCTAssertEqual(disk.counters.sectorsWritten, 3)
    }

    func testRequestsOutsideTheDiskAreRejected() throws {
        let disk = RAMDisk(sectorCount: 8)
        var buffer = [UInt8](repeating: 0, count: 4 * 512)
        try buffer.withUnsafeMutableBytes { raw in
            XCTAssertThrowsError(try disk.read(sector: 6, count: 4, into: raw)) {
                XCTAssertEqual($0 as? BlockError, .outOfRange(sector: 6, count: 4))
            }
            XCTAssertThrowsError(try disk.read(sector: .max, count: 2, into: raw)) {
                XCTAssertEqual($0 as? BlockError, .outOfRange(sector: .max, count: 2))
            }
            // A buffer too small for the count is refused, not overrun.
            XCTAssertThrowsError(try disk.read(sector: 0, count: 5, into: raw))
        }
    }

    func testInjectedFailuresAndReadOnlyMode() throws {
        let disk = RAMDisk(sectorCount: 32)
        disk.failingReads = [10 ..< 12]
        disk.failingWrites = [20 ..< 21]
        var buffer = [UInt8](repeating: 0, count: 4 * 512)
        try buffer.withUnsafeMutableBytes { raw in
            XCTAssertThrowsError(try disk.read(sector: 8, count: 4, into: raw)) {
                XCTAssertEqual($0 as? BlockError, .ioError(sector: 8, count: 4))
                XCTAssertEqual(($0 as? BlockError)?.message, "I/O error at sectors 8..<12")
            }
            try disk.read(sector: 12, count: 4, into: raw)  // next to the bad range: fine
        }
        try buffer.withUnsafeBytes { raw in
            XCTAssertThrowsError(try disk.write(sector: 18, count: 4, from: raw)) {
                XCTAssertEqual($0 as? BlockError, .ioError(sector: 18, count: 4))
            }
            disk.isReadOnly = true
            XCTAssertThrowsError(try disk.write(sector: 0, count: 1, from: raw)) {
                XCTAssertEqual($0 as? BlockError, .readOnly)
            }
        }
        XCTAssertEqual(disk.counters.writes, 0, "failed writes are not counted as done")
    }

    func testImageIsPaddedToWholeSectorsAndLogged() throws {
        let disk = RAMDisk(image: [1, 2, 3])
        XCTAssertEqual(disk.sectorCount, 1)
        XCTAssertEqual(disk.bytes.count, 512)
        disk.isLogging = true
        var buffer = [UInt8](repeating: 0, count: 512)
        try buffer.withUnsafeMutableBytes { try disk.read(sector: 0, count: 1, into: $0) }
        try disk.flush()
        XCTAssertEqual(disk.log, [RAMDisk.Request(kind: .read, sector: 0, count: 1), RAMDisk.Request(kind: .flush, sector: 0, count: 0)])
        XCTAssertEqual(Array(buffer[0 ..< 4]), [1, 2, 3, 0])
    }
}
