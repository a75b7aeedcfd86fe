import Wire
import XCTest

/// The one byte-order and checksum helper that DeviceTree, Drivers, Storage and
/// Network share.
final class WireTests: XCTestCase {
    func testByteOrders() {
        let bytes: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0]
        bytes.withUnsafeBytes { raw in
            XCTAssertEqual(BigEndian.u16(raw, at: 1), 0x3456)
            XCTAssertEqual(BigEndian.u32(raw, at: 0), 0x1234_5678)
            XCTAssertEqual(BigEndian.u64(raw, at: 0), 0x1234_5678_9ABC_DEF0)
            XCTAssertEqual(LittleEndian.u16(raw, 0), 0x3412)
            XCTAssertEqual(LittleEndian.u32(raw, 4), 0xF0DE_BC9A)
            XCTAssertEqual(raw.bigEndianUInt16(at: 6), 0xDEF0)
            XCTAssertNil(raw.bigEndianUInt16(at: 7), "past the end: nil, not a trap")
            XCTAssertNil(raw.bigEndianUInt32(at: -1))
        }
        var out = [UInt8](repeating: 0, count: 8)
        out.withUnsafeMutableBytes { BigEndian.store(UInt64(0x0102_0304_0506_0708), into: $0, at: 0) }
        XCTAssertEqual(out, [1, 2, 3, 4, 5, 6, 7, 8])
        LittleEndian.put32(0xAABB_CCDD, &out, 2)
        XCTAssertEqual(out, [1, 2, 0xDD, 0xCC, 0xBB, 0xAA, 7, 8])
        var appended: [UInt8] = []
        appended.appendBigEndian(UInt16(0x0A0B))
        appended.appendBigEndian(UInt32(0x0C0D_0E0F))
        XCTAssertEqual(appended, [0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F])
    }

    /// RFC 1071's example, and completing a field the way a NIC does.
    func testChecksumAndCompletion() {
        var sum = InternetChecksum()
        sum.add([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7])
        XCTAssertEqual(sum.partialValue, 0xDDF2)
        XCTAssertEqual(sum.value, ~UInt16(0xDDF2))
        // A frame whose checksum field (at 4) holds a seed; completion makes it verify.
        var frame: [UInt8] = [0xAA, 0xAA, 0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56]
        XCTAssertTrue(frame.withUnsafeMutableBytes { InternetChecksum.complete($0, start: 2, offset: 2) })
        var check = InternetChecksum()
        check.add(Array(frame[2...]))
        XCTAssertTrue(check.verifies)
        XCTAssertFalse(frame.withUnsafeMutableBytes { InternetChecksum.complete($0, start: 2, offset: 6) },
                       "a field past the end is refused")
        // A sum that comes out 0 is stored as 0xFFFF (UDP's "no checksum" is 0).
        var zero: [UInt8] = [0xFF, 0xFF, 0x00, 0x00]
        XCTAssertTrue(zero.withUnsafeMutableBytes { InternetChecksum.complete($0, start: 0, offset: 2) })
        XCTAssertEqual(Array(zero[2...]), [0xFF, 0xFF])
    }
}
