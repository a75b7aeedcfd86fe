import XCTest
@testable import TestSupport

final class PPMImageTests: XCTestCase {
    func testParsesHandMadeP6() throws {
        // 3x2 image with a comment in the header: red green blue / white black grey.
        var data = Data("P6\n# made by hand\n3 2\n255\n".utf8)
        data.append(contentsOf: [255, 0, 0,   0, 255, 0,   0, 0, 255,
                                 255, 255, 255,   0, 0, 0,   128, 128, 128])
        let image = try PPMImage.parse(data)
        XCTAssertEqual(image.width, 3)
        XCTAssertEqual(image.height, 2)
        XCTAssertEqual(image.pixels, [0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF, 0x000000, 0x808080])
        XCTAssertEqual(image.pixel(x: 1, y: 0), 0x00FF00)
        XCTAssertEqual(image.pixel(x: 2, y: 1), 0x808080)
        XCTAssertFalse(image.isBlank)
        XCTAssertEqual(image.count(of: 0xFFFFFF), 1)
        XCTAssertEqual(image.histogram.count, 6)
        let box = image.boundingBox { $0 == 0x0000FF }
        XCTAssertEqual(box?.x, 2); XCTAssertEqual(box?.y, 0); XCTAssertEqual(box?.width, 1); XCTAssertEqual(box?.height, 1)
        XCTAssertEqual(image.cropped(x: 1, y: 1, width: 5, height: 5).pixels, [0x000000, 0x808080])
        // Round trip through our own writer.
        XCTAssertEqual(try PPMImage.parse(image.ppmData()), image)
    }

    func testRasterMayStartWithWhitespaceValuedByte() throws {
        // The single whitespace after maxval ends the header even if pixel bytes look like spaces.
        var data = Data("P6 1 1 255\n".utf8)
        data.append(contentsOf: [10, 32, 9])
        let image = try PPMImage.parse(data)
        XCTAssertEqual(image.pixels, [0x0A2009])
    }

    func testBlankAndSixteenBitAndAscii() throws {
        var data = Data("P6\n2 1\n65535\n".utf8)
        data.append(contentsOf: [0xFF, 0xFF, 0x00, 0x00, 0x80, 0x00,   0xFF, 0xFF, 0x00, 0x00, 0x80, 0x00])
        let wide = try PPMImage.parse(data)
        XCTAssertEqual(wide.pixels, [0xFF0080, 0xFF0080])
        XCTAssertTrue(wide.isBlank)

        let ascii = try PPMImage.parse(Data("P3\n2 1\n15\n15 0 0  0 0 15\n".utf8))
        XCTAssertEqual(ascii.pixels, [0xFF0000, 0x0000FF])
    }

    func testRejectsGarbage() {
        XCTAssertThrowsError(try PPMImage.parse(Data("P5\n1 1\n255\n\0".utf8)))
        XCTAssertThrowsError(try PPMImage.parse(Data("P6\n2 2\n255\n\0\0\0".utf8))) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try PPMImage.parse(Data()))
    }

    func testUTF8CollectorHoldsBackSplitSequences() {
        let c = OutputCollector()
        let bytes = Array("héllo €".utf8)
        // Feed one byte at a time: every snapshot must be a prefix of the final text.
        var snapshots: [String] = []
        for b in bytes {
            c.append([b][...])
            snapshots.append(c.snapshot)
        }
        c.finish()
        XCTAssertEqual(c.snapshot, "héllo €")
        for s in snapshots { XCTAssertTrue("héllo €".hasPrefix(s), s) }
        XCTAssertEqual(OutputCollector.completePrefixLength([0x61, 0xE2, 0x82]), 1)
        XCTAssertEqual(OutputCollector.completePrefixLength([0x61, 0xE2, 0x82, 0xAC]), 4)
        XCTAssertEqual(findBytes(Array("lo".utf8), in: Array("hello lo".utf8), from: 0), 5)
        XCTAssertEqual(findBytes(Array("lo".utf8), in: Array("hello lo".utf8), from: 4), 8)
        XCTAssertNil(findBytes(Array("xy".utf8), in: Array("hello".utf8), from: 0))
    }

    func testKeyMapping() {
        XCTAssertEqual(QEMUInstance.keyForCharacter("a")?.qcode, "a")
        XCTAssertEqual(QEMUInstance.keyForCharacter("A")?.qcode, "a")
        XCTAssertEqual(QEMUInstance.keyForCharacter("A")?.shift, true)
        XCTAssertEqual(QEMUInstance.keyForCharacter("!")?.qcode, "1")
        XCTAssertEqual(QEMUInstance.keyForCharacter("\n")?.qcode, "ret")
        XCTAssertEqual(QEMUInstance.keyForCharacter(" ")?.qcode, "spc")
        XCTAssertNil(QEMUInstance.keyForCharacter("é"))
    }

    func testLumenBuildLocatesPackageRoot() {
        let manifest = LumenBuild.packageRoot.appendingPathComponent("Package.swift").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: manifest), manifest)
        do {
            let path = try LumenBuild.kernelPath()
            XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        } catch let error as TestSupportError {
            guard case .kernelNotBuilt(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("kernel not built: run scripts/build-kernel"), message)
        } catch {
            XCTFail("\(error)")
        }
    }
}
