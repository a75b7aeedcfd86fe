import XCTest
@testable import Drivers

// EDIDs read from a real QEMU 7.2 (Debian's qemu-system-aarch64 7.2+dfsg): the VGA
// device's EDID MMIO region (BAR 2 from offset 0), which `qemu_edid_generate` fills
// exactly as for virtio-gpu, but into 384 bytes instead of 1024 (room for the
// DisplayID block all the same).
// Captured by booting `-M virt -bios QEMU_EFI.fd -device VGA,romfile=,…` to the
// UEFI shell, enabling the device's memory decoding with `mm` and dumping the
// region with the monitor's `xp /256xb`.

/// `-device VGA,romfile=,(no xres/yres: 1280x800)` (`edid=on` is the default)
let qemu72VGADefault: [UInt8] = hexBytes("""
00 ff ff ff ff ff ff 00 49 14 34 12 00 00 00 00
2a 18 01 04 a5 20 14 78 06 ee 91 a3 54 4c 99 26
0f 50 54 21 08 00 e1 c0 d1 c0 d1 00 a9 40 b3 00
95 00 81 80 81 40 ea 29 00 c0 51 20 1c 30 40 26
44 40 45 cb 10 00 00 18 00 00 00 f7 00 0a 00 40
82 00 28 20 00 00 00 00 00 00 00 00 00 fd 00 32
7d 1e a0 ff 01 0a 20 20 20 20 20 20 00 00 00 fc
00 51 45 4d 55 20 4d 6f 6e 69 74 6f 72 0a 01 3a
02 03 0b 00 46 7d 65 60 59 1f 61 00 00 00 10 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 10 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 10 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2f
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
""")

/// `-device VGA,romfile=,xres=1024,yres=768` (`edid=on` is the default)
let qemu72VGA1024x768: [UInt8] = hexBytes("""
00 ff ff ff ff ff ff 00 49 14 34 12 00 00 00 00
2a 18 01 04 a5 1a 13 78 06 ee 91 a3 54 4c 99 26
0f 50 54 21 08 00 e1 c0 d1 c0 d1 00 a9 40 b3 00
95 00 81 80 81 40 25 20 00 66 41 00 1a 30 00 1e
33 40 04 c3 10 00 00 18 00 00 00 f7 00 0a 00 40
82 00 28 20 00 00 00 00 00 00 00 00 00 fd 00 32
7d 1e a0 ff 01 0a 20 20 20 20 20 20 00 00 00 fc
00 51 45 4d 55 20 4d 6f 6e 69 74 6f 72 0a 01 3d
02 03 0b 00 46 7d 65 60 59 1f 61 00 00 00 10 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 10 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 10 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2f
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
""")

/// `-device VGA,romfile=,xres=3840,yres=2160` (`edid=on` is the default)
let qemu72VGA3840x2160: [UInt8] = hexBytes("""
00 ff ff ff ff ff ff 00 49 14 34 12 00 00 00 00
2a 18 01 04 a5 61 36 78 06 ee 91 a3 54 4c 99 26
0f 50 54 21 08 00 e1 c0 d1 c0 d1 00 a9 40 b3 00
95 00 81 80 81 40 00 00 00 f7 00 0a 00 40 82 00
28 20 00 00 00 00 00 00 00 00 00 fd 00 32 7d 1e
a0 ff 01 0a 20 20 20 20 20 20 00 00 00 fc 00 51
45 4d 55 20 4d 6f 6e 69 74 6f 72 0a 00 00 00 10
00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 78
02 03 0b 00 46 7d 65 60 59 1f 61 00 00 00 10 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 10 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 10 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2f
70 13 17 03 00 03 00 14 70 53 01 88 ff 0e 3f 05
bf 03 72 00 6f 08 4a 00 09 00 09 00 18 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 90
""")

/// `-device VGA,romfile=,xres=1366,yres=768,refresh_rate=60000` (`edid=on` is the default)
let qemu72VGA1366x768At60: [UInt8] = hexBytes("""
00 ff ff ff ff ff ff 00 49 14 34 12 00 00 00 00
2a 18 01 04 a5 22 13 78 06 ee 91 a3 54 4c 99 26
0f 50 54 21 08 00 e1 c0 d1 c0 d1 00 a9 40 b3 00
95 00 81 80 81 40 50 22 56 de 51 00 1a 30 55 28
33 40 5a c3 10 00 00 18 00 00 00 f7 00 0a 00 40
82 00 28 20 00 00 00 00 00 00 00 00 00 fd 00 32
7d 1e a0 ff 01 0a 20 20 20 20 20 20 00 00 00 fc
00 51 45 4d 55 20 4d 6f 6e 69 74 6f 72 0a 01 75
02 03 0b 00 46 7d 65 60 59 1f 61 00 00 00 10 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 10 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 10 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2f
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
""")

/// `-device VGA,romfile=,xres=2560,yres=1600,xmax=2560,ymax=1600` (`edid=on` is the default)
let qemu72VGA2560x1600Limited: [UInt8] = hexBytes("""
00 ff ff ff ff ff ff 00 49 14 34 12 00 00 00 00
2a 18 01 04 a5 41 28 78 06 ee 91 a3 54 4c 99 26
0f 50 54 21 08 00 e1 c0 d1 c0 d1 00 a9 40 b3 00
95 00 81 80 81 40 ab a7 00 80 a3 40 38 60 80 4c
88 80 8a 96 21 00 00 18 00 00 00 f7 00 0a 00 40
82 00 28 20 00 00 00 00 00 00 00 00 00 fd 00 32
7d 1e a0 ff 01 0a 20 20 20 20 20 20 00 00 00 fc
00 51 45 4d 55 20 4d 6f 6e 69 74 6f 72 0a 01 3d
02 03 07 00 42 59 1f 00 00 00 10 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 10 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 da
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
""")

final class QEMURealEDIDTests: XCTestCase {
    /// The generator reproduces every captured blob byte for byte.
    func testGeneratorMatchesQEMU72() {
        XCTAssertEqual(QEMUEDID.generate(size: 384), qemu72VGADefault)
        XCTAssertEqual(QEMUEDID.generate(size: 384, QEMUEDIDInfo(prefx: 1024, prefy: 768)), qemu72VGA1024x768)
        XCTAssertEqual(QEMUEDID.generate(size: 384, QEMUEDIDInfo(prefx: 3840, prefy: 2160)), qemu72VGA3840x2160)
        XCTAssertEqual(QEMUEDID.generate(size: 384, QEMUEDIDInfo(prefx: 1366, prefy: 768, refreshRate: 60_000)),
                       qemu72VGA1366x768At60)
        XCTAssertEqual(QEMUEDID.generate(size: 384, QEMUEDIDInfo(prefx: 2560, prefy: 1600, maxx: 2560, maxy: 1600)),
                       qemu72VGA2560x1600Limited)
        // virtio-gpu's 1024-byte answer is the same bytes followed by zeros.
        XCTAssertEqual(QEMUEDID.generate(), qemu72VGADefault + [UInt8](repeating: 0, count: 640))
        XCTAssertEqual(QEMUEDID.generate(QEMUEDIDInfo(prefx: 3840, prefy: 2160)),
                       qemu72VGA3840x2160 + [UInt8](repeating: 0, count: 640))
    }

    func testDefault() throws {
        let edid = try parseEDID(qemu72VGADefault)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1280, height: 800, refreshHz: 75, source: .detailedTiming))
        XCTAssertEqual(edid.preferredTiming?.pixelClockKHz, 107_300)
        XCTAssertEqual(edid.manufacturerID, "RHT")
        XCTAssertEqual(edid.productCode, 0x1234)
        XCTAssertEqual(edid.monitorName, "QEMU Monitor")
        XCTAssertEqual(edid.rangeLimits?.maximumPixelClockMHz, 2550)
        XCTAssertEqual(edid.standardTimings, qemuStandardTimings)
        XCTAssertEqual(edid.establishedTimings, qemuEstablishedTimings)
        XCTAssertEqual(edid.ctaVideoCodes, [125, 101, 96, 89, 31, 97])
        XCTAssertEqual(edid.warnings, [])
    }

    func test1024x768() throws {
        let edid = try parseEDID(qemu72VGA1024x768)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1024, height: 768, refreshHz: 75, source: .detailedTiming))
        XCTAssertEqual(edid.preferredTiming?.pixelClockKHz, 82_290)
        XCTAssertEqual(edid.screenWidthCentimetres, 26)
    }

    /// Too large for a detailed timing: the preferred mode is in the DisplayID block.
    func test3840x2160() throws {
        let edid = try parseEDID(qemu72VGA3840x2160)
        XCTAssertEqual(edid.detailedTimings, [])
        XCTAssertEqual(edid.extensionTags, [0x02, 0x70])
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 3840, height: 2160, refreshHz: 75, source: .displayIDTiming))
        XCTAssertEqual(edid.preferredTiming?.pixelClockKHz, 868_970)
        // Read short (256 bytes), the DisplayID block is missing.
        XCTAssertThrowsError(try EDID(Array(qemu72VGA3840x2160.prefix(256)))) {
            XCTAssertEqual($0 as? EDIDError, .truncatedExtensions(extensions: 2, needed: 384, available: 256))
        }
        let lenient = try EDID(Array(qemu72VGA3840x2160.prefix(256)), allowingMissingExtensions: true)
        XCTAssertEqual(lenient.preferredMode, EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming))
        XCTAssertEqual(edid.screenWidthCentimetres, 97)
        XCTAssertEqual(edid.screenHeightCentimetres, 54)
    }

    func test1366x768At60() throws {
        let edid = try parseEDID(qemu72VGA1366x768At60)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1366, height: 768, refreshHz: 60, source: .detailedTiming))
        XCTAssertEqual(edid.preferredTiming?.pixelClockKHz, 87_840)
    }

    func test2560x1600Limited() throws {
        let edid = try parseEDID(qemu72VGA2560x1600Limited)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 2560, height: 1600, refreshHz: 75, source: .detailedTiming))
        XCTAssertEqual(edid.ctaVideoCodes, [89, 31])  // 2560x1080 and 1920x1080 fit the limits
        XCTAssertEqual(edid.standardTimings.first, EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming))
    }

    /// Every single-byte change of a real blob: in the base block the checksum
    /// rejects it; in an extension block the block is skipped with a warning.
    func testEverySingleByteChangeOfARealBlob() {
        for blob in [qemu72VGADefault, qemu72VGA3840x2160] {
            let extensions = Int(blob[126])
            for index in 0..<(128 * (extensions + 1)) {
                for delta: UInt8 in [1, 0x80, 0xFF] {
                    var damaged = blob
                    damaged[index] &+= delta
                    if index < 128 {
                        XCTAssertThrowsError(try EDID(damaged))
                    } else {
                        let edid = try? EDID(damaged)
                        XCTAssertNotNil(edid)
                        XCTAssertEqual(edid?.warnings.count, 1, "byte \(index)")
                    }
                }
            }
        }
    }
}
