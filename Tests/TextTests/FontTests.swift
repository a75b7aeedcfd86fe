import CFreeType
import Graphics
import Text
import XCTest

final class FontTests: XCTestCase {
    func testLibraryUsesTheV35InterpreterByDefault() throws {
        XCTAssertEqual(TestFonts.library.interpreter, .v35)
        let v40 = try FontLibrary(interpreter: .v40)
        XCTAssertEqual(v40.interpreter, .v40)
        var version: FT_UInt = 0
        XCTAssertEqual(FT_Property_Get(TestFonts.library.handle, "truetype", "interpreter-version", &version), 0)
        XCTAssertEqual(version, 35)
        XCTAssertEqual(FT_Property_Get(v40.handle, "truetype", "interpreter-version", &version), 0)
        XCTAssertEqual(version, 40)
    }

    func testLibraryReportsVersion() {
        let version = TestFonts.library.version
        XCTAssertEqual(version.major, 2)
        XCTAssertGreaterThanOrEqual(version.minor, 10)
        XCTAssertEqual(TestFonts.library.versionString, "\(version.major).\(version.minor).\(version.patch)")
    }

    func testFacesReportNamesAndStyleFlags() throws {
        let fonts = try TestFonts.fontSet()
        for style in FontStyle.allCases {
            let face = fonts.face(for: style)
            XCTAssertEqual(face.familyName, "DejaVu Sans Mono", "\(style)")
            XCTAssertTrue(fonts.hasOwnFace(for: style))
            XCTAssertEqual(face.isBold, style.isBold, "\(style)")
            XCTAssertEqual(face.isItalic, style.isOblique, "\(style)")
            XCTAssertTrue(face.isScalable)
            XCTAssertGreaterThan(face.glyphCount, 2000)
        }
        XCTAssertEqual(fonts.regular.styleName, "Book")
        XCTAssertEqual(fonts.bold.styleName, "Bold")
        XCTAssertEqual(fonts.oblique.styleName, "Oblique")
        XCTAssertEqual(fonts.boldOblique.styleName, "Bold Oblique")
        XCTAssertTrue(fonts.regular.hasGlyph(for: 0x41))
        XCTAssertTrue(fonts.regular.hasGlyph(for: 0x2500))  // box drawing
        XCTAssertFalse(fonts.regular.hasGlyph(for: 0x4E2D))  // CJK: not in DejaVu
        XCTAssertFalse(fonts.regular.hasGlyph(for: 0x11_0000))
        XCTAssertFalse(fonts.regular.hasGlyph(for: .max))
    }

    func testBadFontDataThrowsInsteadOfTrapping() throws {
        XCTAssertThrowsError(try FontFace(library: TestFonts.library, bytes: UnsafeRawBufferPointer(start: nil, count: 0))) {
            XCTAssertEqual($0 as? FontError, .emptyFontData)
        }
        let garbage = [UInt8](repeating: 0x5A, count: 4096)
        try garbage.withUnsafeBytes { bytes in
            XCTAssertThrowsError(try FontFace(library: TestFonts.library, bytes: bytes)) {
                XCTAssertEqual($0 as? FontError, .freeType(2))  // FT_Err_Unknown_File_Format
            }
        }
        // A truncated TrueType file.
        guard let regular = TestFonts.bytes[.regular] else { return XCTFail("fonts missing") }
        let truncated = UnsafeRawBufferPointer(rebasing: regular[0 ..< 200])
        XCTAssertThrowsError(try FontFace(library: TestFonts.library, bytes: truncated))
        XCTAssertThrowsError(try FontFace(library: TestFonts.library, bytes: regular, faceIndex: 5))
        XCTAssertThrowsError(try FontFace(library: TestFonts.library, bytes: regular, faceIndex: -1))
    }

    func testMissingStylesFallBack() throws {
        guard let regularBytes = TestFonts.bytes[.regular], let boldBytes = TestFonts.bytes[.bold] else {
            return XCTFail("fonts missing")
        }
        let regular = try FontFace(library: TestFonts.library, bytes: regularBytes)
        let onlyRegular = FontSet(regular: regular)
        for style in FontStyle.allCases {
            XCTAssertTrue(onlyRegular.face(for: style) === regular, "\(style)")
            XCTAssertEqual(onlyRegular.hasOwnFace(for: style), style == .regular)
        }
        let bold = try FontFace(library: TestFonts.library, bytes: boldBytes)
        let withBold = FontSet(regular: regular, bold: bold)
        XCTAssertTrue(withBold.face(for: .boldOblique) === bold, "bold oblique prefers bold")
        XCTAssertTrue(withBold.face(for: .oblique) === regular)

        // From a data source: a damaged bold file falls back, a damaged regular throws.
        let junk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { junk.deallocate() }
        junk.initializeMemory(as: UInt8.self, repeating: 7)
        let damagedBold = try FontSet(library: TestFonts.library) { style in
            style == .bold ? UnsafeRawBufferPointer(junk) : TestFonts.bytes[style]
        }
        XCTAssertFalse(damagedBold.hasOwnFace(for: .bold))
        XCTAssertTrue(damagedBold.face(for: .bold) === damagedBold.regular)
        XCTAssertTrue(damagedBold.hasOwnFace(for: .boldOblique))
        XCTAssertThrowsError(try FontSet(library: TestFonts.library) { style in
            style == .regular ? UnsafeRawBufferPointer(junk) : TestFonts.bytes[style]
        })
        XCTAssertThrowsError(try FontSet(library: TestFonts.library) { _ in nil }) {
            XCTAssertEqual($0 as? FontError, .emptyFontData)
        }
    }

    func testMetricsAreSaneForSizes12To32() throws {
        let fonts = try TestFonts.fontSet()
        var previous: CellMetrics? = nil
        for size in 12 ... 32 {
            let m = try CellMetrics(face: fonts.regular, pixelSize: size)
            XCTAssertEqual(m.pixelSize, size)
            // DejaVu Sans Mono advances 1233/2048 em.
            let expectedWidth = Int((Double(size) * 1233 / 2048).rounded())
            XCTAssertLessThanOrEqual(abs(m.width - expectedWidth), 1, "size \(size): width \(m.width)")
            XCTAssertGreaterThanOrEqual(m.height, size, "size \(size)")
            XCTAssertLessThanOrEqual(m.height, size * 3 / 2, "size \(size)")
            XCTAssertGreaterThan(m.baseline, m.height / 2, "size \(size)")
            XCTAssertLessThan(m.baseline, m.height, "size \(size)")
            XCTAssertGreaterThanOrEqual(m.underlinePosition, m.baseline, "underline below the baseline, size \(size)")
            XCTAssertLessThanOrEqual(m.underlinePosition + m.underlineThickness, m.height)
            XCTAssertGreaterThanOrEqual(m.underlineThickness, 1)
            XCTAssertLessThan(m.strikeoutPosition + m.strikeoutThickness, m.baseline, "strikeout above the baseline")
            XCTAssertGreaterThan(m.strikeoutPosition, m.baseline - m.pixelSize * 3 / 4)
            XCTAssertGreaterThanOrEqual(m.cursorThickness, 1)
            if let previous {
                XCTAssertNotEqual(previous, m)
                XCTAssertGreaterThanOrEqual(m.width, previous.width)
                XCTAssertGreaterThanOrEqual(m.height, previous.height)
            }
            previous = m

            // No printable ASCII glyph, in any style, pokes out of the cell vertically.
            for style in FontStyle.allCases {
                let face = fonts.face(for: style)
                try face.setPixelSize(size)
                for code in 0x21 ... 0x7E {
                    XCTAssertEqual(FT_Load_Char(face.handle, FT_ULong(code), FT_Int32(FT_LOAD_RENDER)), 0)
                    let slot = face.handle.pointee.glyph!.pointee
                    let top = Int(slot.bitmap_top)
                    let rows = Int(slot.bitmap.rows)
                    XCTAssertLessThanOrEqual(top, m.baseline, "size \(size) \(style) U+\(code) clips at the top")
                    XCTAssertLessThanOrEqual(rows - top, m.height - m.baseline,
                                             "size \(size) \(style) U+\(code) clips at the bottom")
                }
            }
        }
    }

    func testInvalidPixelSizesThrow() throws {
        let fonts = try TestFonts.fontSet()
        for size in [Int.min, -16, 0, 3, 257, 100_000, .max] {
            XCTAssertThrowsError(try CellMetrics(face: fonts.regular, pixelSize: size)) {
                XCTAssertEqual($0 as? FontError, .invalidPixelSize(size))
            }
            XCTAssertThrowsError(try fonts.regular.setPixelSize(size))
        }
        let cache = try GlyphCache(fonts: fonts, pixelSize: 16)
        let before = cache.metrics
        XCTAssertThrowsError(try cache.setPixelSize(0))
        XCTAssertEqual(cache.metrics, before)
        XCTAssertThrowsError(try GlyphCache(fonts: fonts, pixelSize: 1000))
    }

    func testExplicitMetricsClampLinesIntoTheCell() {
        let m = CellMetrics(pixelSize: 10, width: 0, height: 5, baseline: 9,
                            underlinePosition: 7, underlineThickness: 3, strikeoutPosition: -4, strikeoutThickness: 0)
        XCTAssertEqual(m.width, 1)
        XCTAssertEqual(m.baseline, 5)
        XCTAssertEqual(m.underlinePosition, 2)
        XCTAssertEqual(m.underlineThickness, 3)
        XCTAssertEqual(m.strikeoutPosition, 0)
        XCTAssertEqual(m.strikeoutThickness, 1)
    }

    func testErrorsDescribeThemselves() {
        XCTAssertEqual(FontError.freeType(2).description, "FreeType error 2")
        XCTAssertEqual(FontError.invalidPixelSize(0).description, "pixel size 0 out of range")
    }
}
