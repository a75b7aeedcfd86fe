import XCTest
@testable import Drivers

func makeRAMFB(address: UInt64 = 0x4100_0000, width: Int, height: Int, stride: Int? = nil) throws -> RAMFBConfiguration {
    try RAMFBConfiguration(address: address, width: width, height: height, stride: stride)
}

func expectRAMFBError(_ expected: RAMFBError, address: UInt64 = 0x4100_0000, width: Int, height: Int, stride: Int? = nil,
                      file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try RAMFBConfiguration(address: address, width: width, height: height, stride: stride)
        XCTFail("accepted, expected \(expected)", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}

final class RAMFBConfigurationTests: XCTestCase {
    func testEncodes1280x800() throws {
        let config = try makeRAMFB(width: 1280, height: 800)
        XCTAssertEqual(config.stride, 5120)
        XCTAssertEqual(config.byteCount, 4_096_000)
        XCTAssertEqual(config.bytes, [
            0x00, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00,  // addr
            0x34, 0x32, 0x52, 0x58,                          // fourcc 'XR24' = 0x34325258
            0x00, 0x00, 0x00, 0x00,                          // flags
            0x00, 0x00, 0x05, 0x00,                          // width 1280
            0x00, 0x00, 0x03, 0x20,                          // height 800
            0x00, 0x00, 0x14, 0x00,                          // stride 5120
        ])
        XCTAssertEqual(RAMFBConfiguration.fileName, "etc/ramfb")
        XCTAssertEqual(RAMFBConfiguration.size, 28)
        XCTAssertEqual(RAMFBConfiguration.fourccXRGB8888, UInt32(0x58) | UInt32(0x52) << 8 | UInt32(0x32) << 16 | UInt32(0x34) << 24)
    }

    func testEncodeIntoBuffer() throws {
        let config = try makeRAMFB(address: 0x1_0000_0000, width: 1024, height: 768, stride: 4352)
        var buffer = [UInt8](repeating: 0xCC, count: 32)
        try buffer.withUnsafeMutableBytes { raw in try config.encode(into: raw) }
        XCTAssertEqual(Array(buffer.prefix(28)), config.bytes)
        XCTAssertEqual(Array(buffer.suffix(4)), [0xCC, 0xCC, 0xCC, 0xCC])
        XCTAssertEqual(Array(buffer[0..<8]), [0, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertEqual(Array(buffer[24..<28]), [0, 0, 0x11, 0x00])

        var short = [UInt8](repeating: 0, count: 27)
        XCTAssertThrowsError(try short.withUnsafeMutableBytes { raw in try config.encode(into: raw) }) {
            XCTAssertEqual($0 as? RAMFBError, .bufferTooShort(count: 27))
        }
    }

    /// QEMU's bounds: 16...16000 wide, 16...12000 high.
    func testSizeLimits() throws {
        XCTAssertNoThrow(try makeRAMFB(width: 16, height: 16))
        XCTAssertNoThrow(try makeRAMFB(width: 16000, height: 12000))
        expectRAMFBError(.widthOutOfRange(width: 15), width: 15, height: 600)
        expectRAMFBError(.widthOutOfRange(width: 16001), width: 16001, height: 600)
        expectRAMFBError(.widthOutOfRange(width: 0), width: 0, height: 600)
        expectRAMFBError(.widthOutOfRange(width: -1), width: -1, height: 600)
        expectRAMFBError(.heightOutOfRange(height: 15), width: 800, height: 15)
        expectRAMFBError(.heightOutOfRange(height: 12001), width: 800, height: 12001)
        XCTAssertEqual(try makeRAMFB(width: 16000, height: 12000).byteCount, 768_000_000)
    }

    func testStride() throws {
        XCTAssertEqual(try makeRAMFB(width: 1280, height: 800, stride: 5124).stride, 5124)
        XCTAssertEqual(try makeRAMFB(width: 1280, height: 800, stride: 5124).byteCount, 4_099_200)
        expectRAMFBError(.strideTooSmall(stride: 5116, minimum: 5120), width: 1280, height: 800, stride: 5116)
        expectRAMFBError(.strideTooSmall(stride: 0, minimum: 5120), width: 1280, height: 800, stride: 0)
        expectRAMFBError(.strideMisaligned(stride: 5122), width: 1280, height: 800, stride: 5122)
    }

    /// stride × height must fit QEMU's int.
    func testTooLarge() throws {
        XCTAssertNoThrow(try makeRAMFB(width: 16, height: 16, stride: 134_217_724))  // 2147483584 bytes
        expectRAMFBError(.framebufferTooLarge(bytes: 2_147_483_648), width: 16, height: 16, stride: 134_217_728)
        expectRAMFBError(.framebufferTooLarge(bytes: 12_000_000_000), width: 800, height: 12000, stride: 1_000_000)
    }

    func testAddress() throws {
        expectRAMFBError(.addressZero, address: 0, width: 800, height: 600)
        expectRAMFBError(.addressOverflow(address: UInt64.max - 100, bytes: 1_920_000), address: UInt64.max - 100,
                         width: 800, height: 600)
        XCTAssertNoThrow(try makeRAMFB(address: UInt64.max - 1_920_000, width: 800, height: 600))
    }

    func testDecoding() throws {
        let config = try makeRAMFB(width: 640, height: 480)
        XCTAssertEqual(try config.bytes.withUnsafeBytes { raw in try RAMFBConfiguration(decoding: raw) }, config)

        var zeroStride = config.bytes
        for i in 24..<28 { zeroStride[i] = 0 }
        XCTAssertEqual(try zeroStride.withUnsafeBytes { raw in try RAMFBConfiguration(decoding: raw) }.stride, 2560)

        var otherFormat = config.bytes
        otherFormat[11] = 0x41  // 'AR24' ARGB8888
        XCTAssertThrowsError(try otherFormat.withUnsafeBytes { raw in try RAMFBConfiguration(decoding: raw) }) {
            XCTAssertEqual($0 as? RAMFBError, .unsupportedFormat(fourcc: 0x3432_5241))
        }

        var tiny = config.bytes
        tiny[19] = 8  // width 8
        tiny[18] = 0
        XCTAssertThrowsError(try tiny.withUnsafeBytes { raw in try RAMFBConfiguration(decoding: raw) }) {
            XCTAssertEqual($0 as? RAMFBError, .widthOutOfRange(width: 8))
        }

        XCTAssertThrowsError(try Array(config.bytes.prefix(20)).withUnsafeBytes { raw in
            try RAMFBConfiguration(decoding: raw)
        }) { XCTAssertEqual($0 as? RAMFBError, .bufferTooShort(count: 20)) }
    }

    func testMessages() {
        XCTAssertEqual(RAMFBError.widthOutOfRange(width: 15).message, "ramfb: width 15 is outside 16...16000")
        XCTAssertEqual(RAMFBError.heightOutOfRange(height: 12001).message, "ramfb: height 12001 is outside 16...12000")
        XCTAssertEqual(RAMFBError.strideTooSmall(stride: 10, minimum: 64).message, "ramfb: stride 10 is less than width x 4 = 64")
        XCTAssertEqual(RAMFBError.strideMisaligned(stride: 66).message, "ramfb: stride 66 is not a multiple of 4")
        XCTAssertEqual(RAMFBError.framebufferTooLarge(bytes: 2_147_483_648).message,
                       "ramfb: the framebuffer would be 2147483648 bytes, more than QEMU accepts (2147483647)")
        XCTAssertEqual(RAMFBError.addressZero.message, "ramfb: the framebuffer address is 0")
        XCTAssertEqual(RAMFBError.unsupportedFormat(fourcc: 1).message, "ramfb: pixel format 1 is not XRGB8888 (0x34325258)")
        XCTAssertEqual(RAMFBError.bufferTooShort(count: 3).message, "ramfb: RAMFBCfg is 28 bytes, not 3")
    }
}
