import XCTest
@testable import Drivers

/// Recomputes byte 127 of block `block` so the block sums to 0.
func fixEDIDChecksum(_ bytes: inout [UInt8], block: Int = 0) {
    let base = block * 128
    var sum: UInt8 = 0
    for i in base..<(base + 127) { sum &+= bytes[i] }
    bytes[base + 127] = 0 &- sum
}

func parseEDID(_ bytes: [UInt8]) throws -> EDID { try EDID(bytes) }

func expectEDIDError(_ bytes: [UInt8], _ expected: EDIDError, file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try EDID(bytes)
        XCTFail("parsed, expected \(expected)", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
    }
}

/// A minimal valid EDID 1.4 base block with no timings at all; callers fill in
/// what they test and fix the checksum.
func blankEDID() -> [UInt8] {
    var e = [UInt8](repeating: 0, count: 128)
    e[0] = 0; for i in 1...6 { e[i] = 0xFF }; e[7] = 0
    e[18] = 1; e[19] = 4
    for slot in 0..<8 { e[38 + 2 * slot] = 1; e[39 + 2 * slot] = 1 }
    for d in 0..<4 { e[54 + 18 * d + 3] = 0x10 }  // dummy descriptors
    fixEDIDChecksum(&e)
    return e
}

/// The eight standard timings QEMU lists when no maxx/maxy limits them.
let qemuStandardTimings: [EDIDMode] = [
    EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1920, height: 1080, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1920, height: 1200, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1600, height: 1200, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1680, height: 1050, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1440, height: 900, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1280, height: 1024, refreshHz: 60, source: .standardTiming),
    EDIDMode(width: 1280, height: 960, refreshHz: 60, source: .standardTiming),
]

/// Established timings I/II then III that QEMU sets when nothing limits the modes.
let qemuEstablishedTimings: [EDIDMode] = [
    EDIDMode(width: 640, height: 480, refreshHz: 60, source: .establishedTiming),
    EDIDMode(width: 800, height: 600, refreshHz: 60, source: .establishedTiming),
    EDIDMode(width: 1024, height: 768, refreshHz: 60, source: .establishedTiming),
    EDIDMode(width: 1280, height: 768, refreshHz: 60, source: .establishedTimingIII),
    EDIDMode(width: 1360, height: 768, refreshHz: 60, source: .establishedTimingIII),
    EDIDMode(width: 1400, height: 1050, refreshHz: 60, source: .establishedTimingIII),
    EDIDMode(width: 1792, height: 1344, refreshHz: 60, source: .establishedTimingIII),
    EDIDMode(width: 1856, height: 1392, refreshHz: 60, source: .establishedTimingIII),
    EDIDMode(width: 1920, height: 1440, refreshHz: 60, source: .establishedTimingIII),
]

/// `qemu-edid -x 6144 -y 3456 -v DEL -n 'DELL U3224KB' -X 6144 -Y 3456 | edid-decode`
/// as posted in akatrevorjay/edid-generator issue #5 (2024, QEMU master): the base
/// block and the first 108 bytes of the CTA block (the post is cut there; byte 126
/// says a DisplayID block follows).
let publishedQEMUEDIDDump: [UInt8] = hexBytes("""
00 ff ff ff ff ff ff 00 10 ac 34 12 00 00 00 00
2a 18 01 04 a5 9c 57 78 06 ee 91 a3 54 4c 99 26
0f 50 54 21 08 00 e1 c0 d1 c0 d1 00 a9 40 b3 00
95 00 81 80 81 40 00 00 00 f7 00 0a 00 40 82 00
28 20 00 00 00 00 00 00 00 00 00 fd 00 32 7d 1e
a0 ff 01 0a 20 20 20 20 20 20 00 00 00 fc 00 44
45 4c 4c 20 55 33 32 32 34 4b 42 0a 00 00 00 10
00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 0f
02 03 0b 00 46 7d 65 60 59 1f 61 00 00 00 10 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 10 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 10 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 10 00 00 00
""")

func hexBytes(_ text: String) -> [UInt8] {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
}

final class EDIDTests: XCTestCase {
    // MARK: - QEMU's EDIDs

    /// virtio-gpu with no xres/yres: 1280x800 at 75 Hz, 100 dpi.
    func testQEMUDefault() throws {
        let blob = QEMUEDID.generate()
        XCTAssertEqual(blob.count, 1024)
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.version, 1)
        XCTAssertEqual(edid.revision, 4)
        XCTAssertEqual(edid.manufacturerID, "RHT")
        XCTAssertEqual(edid.manufacturerCode, 0x4914)
        XCTAssertEqual(edid.productCode, 0x1234)
        XCTAssertEqual(edid.serialNumber, 0)
        XCTAssertEqual(edid.manufactureWeek, 42)
        XCTAssertEqual(edid.manufactureYear, 2014)
        XCTAssertTrue(edid.isDigitalInput)
        XCTAssertEqual(edid.videoInput, 0xA5)
        XCTAssertEqual(edid.screenWidthCentimetres, 32)
        XCTAssertEqual(edid.screenHeightCentimetres, 20)
        XCTAssertEqual(edid.features, 0x06)

        // xblank = 35 % of 1280, xfront 25 %, xsync 3 %; yblank 3.5 %, yfront = ysync = 0.5 %;
        // clock = 75 Hz × 1728 × 828 = 107.3088 MHz, truncated to 10 kHz units.
        let expected = EDIDDetailedTiming(
            pixelClockKHz: 107_300, horizontalActive: 1280, horizontalBlanking: 448,
            horizontalFrontPorch: 320, horizontalSyncWidth: 38,
            verticalActive: 800, verticalBlanking: 28, verticalFrontPorch: 4, verticalSyncWidth: 4,
            widthMillimetres: 325, heightMillimetres: 203)
        XCTAssertEqual(edid.detailedTimings, [expected])
        XCTAssertEqual(edid.preferredTiming, expected)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1280, height: 800, refreshHz: 75, source: .detailedTiming))
        XCTAssertEqual(expected.refreshMillihertz, 74_993)
        XCTAssertEqual(expected.horizontalTotal, 1728)
        XCTAssertEqual(expected.verticalTotal, 828)

        XCTAssertEqual(edid.monitorName, "QEMU Monitor")
        XCTAssertNil(edid.serialString)
        XCTAssertEqual(edid.rangeLimits, EDIDRangeLimits(minimumVerticalHz: 50, maximumVerticalHz: 125,
                                                         minimumHorizontalKHz: 30, maximumHorizontalKHz: 160,
                                                         maximumPixelClockMHz: 2550, timingSupport: 0x01))
        XCTAssertEqual(edid.standardTimings, qemuStandardTimings)
        XCTAssertEqual(edid.establishedTimings, qemuEstablishedTimings)

        XCTAssertEqual(edid.extensionCount, 1)
        XCTAssertEqual(edid.extensionTags, [0x02])
        XCTAssertEqual(edid.ctaVideoCodes, [125, 101, 96, 89, 31, 97])
        XCTAssertEqual(edid.ctaModes.map { "\($0.width)x\($0.height)@\($0.refreshHz)" },
                       ["5120x2160@50", "4096x2160@50", "3840x2160@50", "2560x1080@50", "1920x1080@50", "3840x2160@60"])
        XCTAssertEqual(edid.ctaDetailedTimings, [])
        XCTAssertEqual(edid.displayIDTimings, [])
        XCTAssertEqual(edid.warnings, [])
    }

    /// `-device virtio-gpu-device,xres=1024,yres=768`.
    func testQEMU1024x768() throws {
        let edid = try parseEDID(QEMUEDID.generate(QEMUEDIDInfo(prefx: 1024, prefy: 768)))
        XCTAssertEqual(edid.detailedTimings, [EDIDDetailedTiming(
            pixelClockKHz: 82_290, horizontalActive: 1024, horizontalBlanking: 358,
            horizontalFrontPorch: 256, horizontalSyncWidth: 30,
            verticalActive: 768, verticalBlanking: 26, verticalFrontPorch: 3, verticalSyncWidth: 3,
            widthMillimetres: 260, heightMillimetres: 195)])
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1024, height: 768, refreshHz: 75, source: .detailedTiming))
        XCTAssertEqual(edid.screenWidthCentimetres, 26)
        XCTAssertEqual(edid.screenHeightCentimetres, 19)
    }

    /// A UI that reports its size and a 60 Hz refresh (e.g. GTK), an odd mode and
    /// a serial number (the 0xFF descriptor spills the dummy into the CTA block).
    func testQEMUReportedRefreshSizeAndSerial() throws {
        let info = QEMUEDIDInfo(name: "Lumen Test Display", serial: "4711", widthMM: 300, heightMM: 200,
                                prefx: 1366, prefy: 768, refreshRate: 60_000)
        let edid = try parseEDID(QEMUEDID.generate(info))
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1366, height: 768, refreshHz: 60, source: .detailedTiming))
        XCTAssertEqual(edid.preferredTiming?.widthMillimetres, 300)
        XCTAssertEqual(edid.preferredTiming?.heightMillimetres, 200)
        XCTAssertEqual(edid.screenWidthCentimetres, 30)
        XCTAssertEqual(edid.monitorName, "Lumen Test D")  // QEMU keeps 12 characters
        XCTAssertNil(edid.serialString)                    // no fifth descriptor slot in the base block
        XCTAssertEqual(edid.serialNumber, 4711)
    }

    /// Every size virtio-gpu could be configured with, in steps: the preferred
    /// mode is always the configured one, at 75 Hz.
    func testQEMUPreferredModeAcrossSizes() throws {
        var checked = 0
        for width in stride(from: 320, through: 8192, by: 136) {
            for height in stride(from: 200, through: 8192, by: 332) {
                let blob = QEMUEDID.generate(QEMUEDIDInfo(prefx: UInt32(width), prefy: UInt32(height)))
                let edid = try parseEDID(blob)
                XCTAssertEqual(edid.preferredMode?.width, width, "\(width)x\(height)")
                XCTAssertEqual(edid.preferredMode?.height, height, "\(width)x\(height)")
                XCTAssertEqual(edid.preferredMode?.refreshHz, 75, "\(width)x\(height)")
                let large = blob[126] == 2
                XCTAssertEqual(edid.preferredMode?.source, large ? .displayIDTiming : .detailedTiming, "\(width)x\(height)")
                XCTAssertEqual(edid.warnings, [])
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    /// 3840x2160 at 75 Hz needs a 869 MHz clock, beyond a detailed timing's 655.35:
    /// QEMU drops the base block's detailed timing and adds a DisplayID block.
    func testQEMULargeScreenUsesDisplayID() throws {
        let blob = QEMUEDID.generate(QEMUEDIDInfo(prefx: 3840, prefy: 2160))
        XCTAssertEqual(blob[126], 2)
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.detailedTimings, [])
        XCTAssertEqual(edid.extensionTags, [0x02, 0x70])
        let expected = EDIDDetailedTiming(
            pixelClockKHz: 868_970,  // QEMU stores the clock itself where DisplayID wants clock − 1
            horizontalActive: 3840, horizontalBlanking: 1344, horizontalFrontPorch: 960, horizontalSyncWidth: 115,
            verticalActive: 2160, verticalBlanking: 75, verticalFrontPorch: 10, verticalSyncWidth: 10)
        XCTAssertEqual(edid.displayIDTimings, [expected])
        XCTAssertEqual(edid.preferredTiming, expected)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 3840, height: 2160, refreshHz: 75, source: .displayIDTiming))
        XCTAssertEqual(edid.monitorName, "QEMU Monitor")
        XCTAssertEqual(edid.standardTimings, qemuStandardTimings)
        XCTAssertEqual(edid.warnings, [])
    }

    /// The largest mode that still fits a base-block detailed timing at 75 Hz.
    func testQEMU2560x1600StaysInBaseBlock() throws {
        let blob = QEMUEDID.generate(QEMUEDIDInfo(prefx: 2560, prefy: 1600))
        XCTAssertEqual(blob[126], 1)
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 2560, height: 1600, refreshHz: 75, source: .detailedTiming))
        XCTAssertEqual(edid.preferredTiming?.pixelClockKHz, 429_230)
    }

    /// With only 256 bytes (older or smaller callers) a large screen has no timing
    /// for its size anywhere: the first standard timing is the best guess.
    func testQEMULargeScreenWithoutDisplayIDFallsBackToStandardTiming() throws {
        let edid = try parseEDID(QEMUEDID.generate(size: 256, QEMUEDIDInfo(prefx: 5120, prefy: 2880)))
        XCTAssertEqual(edid.extensionTags, [0x02])
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming))
        XCTAssertNil(edid.preferredTiming)
    }

    /// maxx/maxy (the VGA device's limits) drop modes above them from every list.
    func testQEMUMaximumLimitsModes() throws {
        let edid = try parseEDID(QEMUEDID.generate(QEMUEDIDInfo(prefx: 1024, prefy: 768, maxx: 1280, maxy: 1024)))
        // 1280x768 fits no standard timing aspect ratio, and with a slot free QEMU
        // tries nothing else: it is dropped.
        XCTAssertEqual(edid.standardTimings.map { "\($0.width)x\($0.height)" }, ["1280x1024", "1280x960"])
        XCTAssertEqual(edid.ctaVideoCodes, [])
        XCTAssertEqual(edid.establishedTimings.map { "\($0.width)x\($0.height)" }, ["640x480", "800x600", "1024x768"])
    }

    /// The generator reproduces a published qemu-edid dump byte for byte.
    func testGeneratorMatchesPublishedDump() {
        let info = QEMUEDIDInfo(vendor: "DEL", name: "DELL U3224KB", prefx: 6144, prefy: 3456, maxx: 6144, maxy: 3456)
        let blob = QEMUEDID.generate(size: 512, info)
        XCTAssertEqual(Array(blob.prefix(publishedQEMUEDIDDump.count)), publishedQEMUEDIDDump)
    }

    /// The dump as posted stops inside the CTA block while announcing two extensions.
    func testPublishedDumpIsTruncated() {
        expectEDIDError(publishedQEMUEDIDDump, .truncatedExtensions(extensions: 2, needed: 384, available: 236))
    }

    /// Parsed leniently, the blocks present count and a warning says what is missing.
    func testPublishedDumpAllowingMissingExtensions() throws {
        var blob = publishedQEMUEDIDDump + [UInt8](repeating: 0, count: 20)  // the rest of the CTA block is zeros
        fixEDIDChecksum(&blob, block: 1)
        let edid = try EDID(blob, allowingMissingExtensions: true)
        XCTAssertEqual(edid.extensionCount, 2)
        XCTAssertEqual(edid.extensionTags, [0x02])
        XCTAssertEqual(edid.ctaVideoCodes, [125, 101, 96, 89, 31, 97])
        XCTAssertEqual(edid.warnings, ["EDID: 2 extension block(s) announced but only 1 present; the rest ignored"])
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming))
        // Only whole blocks count: the 236 bytes as posted hold the base block only.
        XCTAssertEqual(try EDID(publishedQEMUEDIDDump, allowingMissingExtensions: true).extensionTags, [])
        // The base block itself is still required.
        XCTAssertThrowsError(try EDID(Array(blob.prefix(100)), allowingMissingExtensions: true)) {
            XCTAssertEqual($0 as? EDIDError, .tooShort(count: 100))
        }
    }

    /// Its base block alone (extension count cleared): no detailed timing anywhere.
    func testPublishedDumpBaseBlock() throws {
        var base = Array(publishedQEMUEDIDDump.prefix(128))
        base[126] = 0
        fixEDIDChecksum(&base)
        let edid = try parseEDID(base)
        XCTAssertEqual(edid.manufacturerID, "DEL")
        XCTAssertEqual(edid.manufacturerCode, 0x10AC)
        XCTAssertEqual(edid.monitorName, "DELL U3224KB")
        XCTAssertEqual(edid.screenWidthCentimetres, 156)
        XCTAssertEqual(edid.screenHeightCentimetres, 87)
        XCTAssertEqual(edid.detailedTimings, [])
        XCTAssertEqual(edid.standardTimings, qemuStandardTimings)
        XCTAssertEqual(edid.establishedTimings, qemuEstablishedTimings)
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming))
        XCTAssertEqual(edid.extensionCount, 0)
    }

    /// The whole blob of that run, as the generator completes it.
    func testPublishedDumpCompleted() throws {
        let info = QEMUEDIDInfo(vendor: "DEL", name: "DELL U3224KB", prefx: 6144, prefy: 3456, maxx: 6144, maxy: 3456)
        let edid = try parseEDID(QEMUEDID.generate(size: 512, info))
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 6144, height: 3456, refreshHz: 75, source: .displayIDTiming))
        XCTAssertEqual(edid.preferredTiming?.pixelClockKHz, 2_224_460)
    }

    func testTrailingBytesAfterLastBlockAreIgnored() throws {
        var blob = QEMUEDID.generate()
        for i in 256..<1024 { blob[i] = UInt8(truncatingIfNeeded: i * 7) }
        XCTAssertEqual(try parseEDID(blob).preferredMode?.width, 1280)
        XCTAssertEqual(try parseEDID(Array(blob.prefix(256))).preferredMode?.width, 1280)
    }

    // MARK: - Corrupted input

    func testTooShort() {
        expectEDIDError([], .tooShort(count: 0))
        expectEDIDError(Array(QEMUEDID.generate().prefix(127)), .tooShort(count: 127))
    }

    func testBadHeader() {
        for index in 0..<8 {
            var blob = QEMUEDID.generate()
            blob[index] ^= 0x01
            fixEDIDChecksum(&blob)
            expectEDIDError(blob, .badHeader)
        }
    }

    func testBadChecksum() {
        var blob = QEMUEDID.generate()
        blob[20] &+= 3
        expectEDIDError(blob, .badChecksum(sum: 3))
        var last = QEMUEDID.generate()
        last[127] &-= 1
        expectEDIDError(last, .badChecksum(sum: 255))
    }

    func testUnsupportedVersion() {
        var blob = QEMUEDID.generate()
        blob[18] = 2; blob[19] = 0
        fixEDIDChecksum(&blob)
        expectEDIDError(blob, .unsupportedVersion(version: 2, revision: 0))
    }

    func testTruncatedExtensions() {
        expectEDIDError(Array(QEMUEDID.generate().prefix(128)), .truncatedExtensions(extensions: 1, needed: 256, available: 128))
        expectEDIDError(Array(QEMUEDID.generate().prefix(255)), .truncatedExtensions(extensions: 1, needed: 256, available: 255))
        var absurd = QEMUEDID.generate()
        absurd[126] = 255
        fixEDIDChecksum(&absurd)
        expectEDIDError(absurd, .truncatedExtensions(extensions: 255, needed: 32768, available: 1024))
    }

    func testZeroSizedDetailedTiming() {
        var noWidth = QEMUEDID.generate()
        noWidth[54 + 2] = 0; noWidth[54 + 4] &= 0x0F
        fixEDIDChecksum(&noWidth)
        expectEDIDError(noWidth, .zeroSizedTiming(descriptor: 0, width: 0, height: 800))

        var noHeight = QEMUEDID.generate()
        noHeight[54 + 5] = 0; noHeight[54 + 7] &= 0x0F
        fixEDIDChecksum(&noHeight)
        expectEDIDError(noHeight, .zeroSizedTiming(descriptor: 0, width: 1280, height: 0))

        // A timing in the last slot is checked too.
        var last = blankEDID()
        last[54 + 54] = 0x01  // pixel clock 10 kHz, everything else 0
        fixEDIDChecksum(&last)
        expectEDIDError(last, .zeroSizedTiming(descriptor: 3, width: 0, height: 0))
    }

    func testImplausibleDetailedTimings() {
        var sync = QEMUEDID.generate()
        sync[54 + 9] = 0xFF  // horizontal sync 255 after a 320 front porch, in a 448 blanking
        fixEDIDChecksum(&sync)
        expectEDIDError(sync, .implausibleTiming(descriptor: 0,
            reason: "horizontal front porch 320 + sync 255 exceed the blanking 448"))

        var vertical = QEMUEDID.generate()
        vertical[54 + 10] = 0xFF  // front porch 15 + sync 15 in a 28-line blanking
        fixEDIDChecksum(&vertical)
        expectEDIDError(vertical, .implausibleTiming(descriptor: 0,
            reason: "vertical front porch 15 + sync 15 exceed the blanking 28"))

        var slow = QEMUEDID.generate()
        slow[54] = 0x01; slow[55] = 0x00  // 10 kHz for 1728 x 828 pixels
        fixEDIDChecksum(&slow)
        expectEDIDError(slow, .implausibleTiming(descriptor: 0,
            reason: "a 10 kHz pixel clock refreshes 1728x828 pixels less than once a second"))
    }

    func testErrorMessages() {
        XCTAssertEqual(EDIDError.tooShort(count: 12).message, "EDID: 12 bytes, but the base block alone is 128")
        XCTAssertEqual(EDIDError.badHeader.message, "EDID: the header is not 00 FF FF FF FF FF FF 00")
        XCTAssertEqual(EDIDError.badChecksum(sum: 3).message, "EDID: base block checksum is wrong (bytes sum to 3, not 0)")
        XCTAssertEqual(EDIDError.unsupportedVersion(version: 2, revision: 0).message,
                       "EDID: version 2.0 is not supported (only 1.x)")
        XCTAssertEqual(EDIDError.truncatedExtensions(extensions: 1, needed: 256, available: 128).message,
                       "EDID: 1 extension block(s) announced, needing 256 bytes, but only 128 given")
        XCTAssertEqual(EDIDError.zeroSizedTiming(descriptor: 0, width: 0, height: 800).message,
                       "EDID: detailed timing 0 has a pixel clock but a 0x800 active area")
        XCTAssertEqual(EDIDError.implausibleTiming(descriptor: 2, reason: "why").message,
                       "EDID: detailed timing 2 is implausible: why")
    }

    /// Extension problems skip the block with a warning; the base block still counts.
    func testBadExtensionChecksumIsAWarning() throws {
        var blob = QEMUEDID.generate()
        blob[128 + 5] ^= 0xFF
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.ctaVideoCodes, [])
        XCTAssertEqual(edid.extensionTags, [0x02])
        XCTAssertEqual(edid.warnings.count, 1)
        XCTAssertTrue(edid.warnings[0].hasPrefix("EDID: extension block 1 (tag 0x02) has a bad checksum"), edid.warnings[0])
        XCTAssertEqual(edid.preferredMode?.width, 1280)
    }

    func testMalformedCTABlocks() throws {
        var badOffset = QEMUEDID.generate()
        badOffset[128 + 2] = 2
        fixEDIDChecksum(&badOffset, block: 1)
        var edid = try parseEDID(badOffset)
        XCTAssertEqual(edid.warnings, ["EDID: CTA extension block 1 puts its descriptors at 2, outside 4...127; ignored"])

        var longBlock = QEMUEDID.generate()
        longBlock[128 + 4] = 0x5F  // video block of 31 bytes, past d = 11
        fixEDIDChecksum(&longBlock, block: 1)
        edid = try parseEDID(longBlock)
        XCTAssertEqual(edid.ctaVideoCodes, [])
        XCTAssertEqual(edid.warnings, ["EDID: CTA extension block 1: data block at 4 (length 31) runs past 11; rest ignored"])
    }

    /// A CTA detailed timing is the preferred mode when the base block has none.
    func testCTADetailedTimingFallback() throws {
        var blob = blankEDID() + [UInt8](repeating: 0, count: 128)
        blob[126] = 1
        fixEDIDChecksum(&blob)
        blob[128] = 0x02; blob[129] = 0x03; blob[130] = 4
        // 1920x1080@60 (CEA): 148.5 MHz, blanking 280/45, porches 88/4, syncs 44/5, +/+.
        let dtd: [UInt8] = [0x02, 0x3A, 0x80, 0x18, 0x71, 0x38, 0x2D, 0x40, 0x58, 0x2C, 0x45, 0x00,
                            0x0F, 0x48, 0x42, 0x00, 0x00, 0x1E]
        for (i, b) in dtd.enumerated() { blob[132 + i] = b }
        fixEDIDChecksum(&blob, block: 1)
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.ctaDetailedTimings, [EDIDDetailedTiming(
            pixelClockKHz: 148_500, horizontalActive: 1920, horizontalBlanking: 280,
            horizontalFrontPorch: 88, horizontalSyncWidth: 44,
            verticalActive: 1080, verticalBlanking: 45, verticalFrontPorch: 4, verticalSyncWidth: 5,
            widthMillimetres: 1039, heightMillimetres: 584,
            horizontalSyncPositive: true, verticalSyncPositive: true)])
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 1920, height: 1080, refreshHz: 60, source: .ctaDetailedTiming))
    }

    func testBadDisplayIDSectionIsAWarning() throws {
        var blob = QEMUEDID.generate(QEMUEDIDInfo(prefx: 3840, prefy: 2160))
        blob[256 + 12] ^= 0x01  // hactive − 1 low byte; block checksum fixed, section checksum not
        fixEDIDChecksum(&blob, block: 2)
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.warnings, ["EDID: DisplayID extension block 2 has a bad section checksum (sum 255); ignored"])
        XCTAssertEqual(edid.preferredMode, EDIDMode(width: 2048, height: 1152, refreshHz: 60, source: .standardTiming))

        var long = QEMUEDID.generate(QEMUEDIDInfo(prefx: 3840, prefy: 2160))
        long[256 + 2] = 200
        fixEDIDChecksum(&long, block: 2)
        XCTAssertEqual(try parseEDID(long).warnings,
                       ["EDID: DisplayID extension block 2 claims 200 payload bytes, more than fit; ignored"])
    }

    // MARK: - Pieces

    func testEstablishedTimingFallbackPicksTheLargest() throws {
        var blob = blankEDID()
        blob[35] = 0x21; blob[36] = 0x08  // 640x480@60, 800x600@60, 1024x768@60
        fixEDIDChecksum(&blob)
        XCTAssertEqual(try parseEDID(blob).preferredMode,
                       EDIDMode(width: 1024, height: 768, refreshHz: 60, source: .establishedTiming))

        blob[36] = 0x0B  // and 1024x768@75, 1280x1024@75
        fixEDIDChecksum(&blob)
        XCTAssertEqual(try parseEDID(blob).preferredMode,
                       EDIDMode(width: 1280, height: 1024, refreshHz: 75, source: .establishedTiming))
    }

    func testNoTimingsAtAll() throws {
        let edid = try parseEDID(blankEDID())
        XCTAssertNil(edid.preferredMode)
        XCTAssertNil(edid.monitorName)
        XCTAssertNil(edid.rangeLimits)
        XCTAssertEqual(edid.manufacturerID, "???")
        XCTAssertEqual(edid.standardTimings, [])
        XCTAssertEqual(edid.establishedTimings, [])
    }

    func testStandardTimingDecoding() {
        XCTAssertEqual(EDID.standardTiming(0xD1, 0xC0, revision: 4), EDIDMode(width: 1920, height: 1080, refreshHz: 60, source: .standardTiming))
        XCTAssertEqual(EDID.standardTiming(0x81, 0x8F, revision: 4), EDIDMode(width: 1280, height: 1024, refreshHz: 75, source: .standardTiming))
        XCTAssertEqual(EDID.standardTiming(0x61, 0x40, revision: 4), EDIDMode(width: 1024, height: 768, refreshHz: 60, source: .standardTiming))
        XCTAssertEqual(EDID.standardTiming(0xA9, 0x00, revision: 3)?.height, 1000)   // 16:10
        XCTAssertEqual(EDID.standardTiming(0xA9, 0x00, revision: 2)?.height, 1600)   // 1:1 before 1.3
        XCTAssertNil(EDID.standardTiming(0x01, 0x01, revision: 4))
        XCTAssertNil(EDID.standardTiming(0x00, 0x00, revision: 4))
        XCTAssertNil(EDID.standardTiming(0x20, 0x20, revision: 4))
    }

    func testRangeLimitsWithEDID14Offsets() throws {
        var blob = blankEDID()
        let d = 54
        blob[d + 3] = 0xFD; blob[d + 4] = 0x0F  // all four +255
        blob[d + 5] = 1; blob[d + 6] = 2; blob[d + 7] = 3; blob[d + 8] = 4; blob[d + 9] = 100; blob[d + 10] = 0x04
        fixEDIDChecksum(&blob)
        XCTAssertEqual(try parseEDID(blob).rangeLimits, EDIDRangeLimits(
            minimumVerticalHz: 256, maximumVerticalHz: 257, minimumHorizontalKHz: 258, maximumHorizontalKHz: 259,
            maximumPixelClockMHz: 1000, timingSupport: 0x04))
        blob[d + 4] = 0x0A  // only the maxima
        fixEDIDChecksum(&blob)
        let limits = try parseEDID(blob).rangeLimits
        XCTAssertEqual(limits?.minimumVerticalHz, 1)
        XCTAssertEqual(limits?.maximumVerticalHz, 257)
        XCTAssertEqual(limits?.minimumHorizontalKHz, 3)
        XCTAssertEqual(limits?.maximumHorizontalKHz, 259)
    }

    func testTextDescriptors() throws {
        var blob = blankEDID()
        let name: [UInt8] = Array("Lumen".utf8) + [0xC3, 0x0A, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20]
        blob[54 + 3] = 0xFC
        for (i, b) in name.enumerated() { blob[54 + 5 + i] = b }
        let serial: [UInt8] = Array("ABCDEFGHIJKLM".utf8)  // 13 characters, no terminator
        blob[72 + 3] = 0xFF
        for (i, b) in serial.enumerated() { blob[72 + 5 + i] = b }
        blob[8] = 0x7F; blob[9] = 0xFF  // letters 31, 31, 31
        fixEDIDChecksum(&blob)
        let edid = try parseEDID(blob)
        XCTAssertEqual(edid.monitorName, "Lumen?")
        XCTAssertEqual(edid.serialString, "ABCDEFGHIJKLM")
        XCTAssertEqual(edid.manufacturerID, "???")
    }

    func testDetailedTimingFlags() throws {
        var bytes = [UInt8](repeating: 0, count: 18)
        bytes[0] = 0x01; bytes[2] = 0x10; bytes[5] = 0x10
        bytes[17] = 0x80 | 0x18 | 0x04 | 0x02
        var timing = bytes.withUnsafeBytes { EDID.detailedTiming($0, at: 0) }
        XCTAssertTrue(timing.interlaced)
        XCTAssertTrue(timing.horizontalSyncPositive)
        XCTAssertTrue(timing.verticalSyncPositive)
        XCTAssertEqual(timing.mode(source: .detailedTiming).height, 32)  // two 16-line fields
        bytes[17] = 0x10 | 0x04 | 0x02  // digital composite: bit 2 is serration, not vsync polarity
        timing = bytes.withUnsafeBytes { EDID.detailedTiming($0, at: 0) }
        XCTAssertFalse(timing.interlaced)
        XCTAssertTrue(timing.horizontalSyncPositive)
        XCTAssertFalse(timing.verticalSyncPositive)
    }

    // MARK: - Robustness

    /// Random damage (with the checksums repaired so it gets past them) never traps.
    func testRandomCorruptionNeverTraps() {
        var rng = SplitMix64(seed: 0x5EED_ED1D)
        let sources = [QEMUEDID.generate(), QEMUEDID.generate(QEMUEDIDInfo(prefx: 3840, prefy: 2160)),
                       QEMUEDID.generate(size: 256, QEMUEDIDInfo(prefx: 640, prefy: 480))]
        var parsed = 0, rejected = 0
        for round in 0..<20_000 {
            var blob = sources[round % sources.count]
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                blob[Int(rng.next() % UInt64(min(blob.count, 384)))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 != 0 {
                for block in 0..<min(3, blob.count / 128) { fixEDIDChecksum(&blob, block: block) }
            }
            if rng.next() % 8 == 0 { blob = Array(blob.prefix(Int(rng.next() % UInt64(blob.count)))) }
            do {
                let edid = try EDID(blob)
                if let mode = edid.preferredMode {
                    XCTAssertGreaterThan(mode.width, 0)
                    XCTAssertGreaterThan(mode.height, 0)
                }
                parsed += 1
            } catch {
                XCTAssertFalse(error.message.isEmpty)
                rejected += 1
            }
        }
        XCTAssertGreaterThan(parsed, 1000)
        XCTAssertGreaterThan(rejected, 1000)
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
