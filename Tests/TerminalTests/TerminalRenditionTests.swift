import Terminal
import XCTest

final class TerminalRenditionTests: XCTestCase {
    /// The cell written after `sequence`.
    func cell(_ sequence: String) -> Cell {
        let t = terminal("\(sequence)X")
        return t.cell(row: 0, column: 0)
    }

    func testAttributes() {
        XCTAssertEqual(cell("\(esc)[1;2;3;4;5;7;8;9m").attributes,
                       [.bold, .faint, .italic, .underline, .blink, .inverse, .hidden, .strike])
        XCTAssertEqual(cell("\(esc)[6m").attributes, [.blink])
        XCTAssertEqual(cell("\(esc)[21m").attributes, [.underline])
    }

    func testResettingAttributes() {
        XCTAssertEqual(cell("\(esc)[1;2;3;4;5;7;8;9;22m").attributes, [.italic, .underline, .blink, .inverse, .hidden, .strike])
        XCTAssertEqual(cell("\(esc)[1;3;4;5;7;8;9;23;24;25;27;28;29m").attributes, [.bold])
        XCTAssertEqual(cell("\(esc)[1;31;42m\(esc)[0m"), Cell(scalar: 0x58))
        XCTAssertEqual(cell("\(esc)[1;31;42m\(esc)[m"), Cell(scalar: 0x58))
        XCTAssertEqual(cell("\(esc)[1;31m\(esc)[;4m").attributes, [.underline], "an empty parameter is 0")
    }

    func testUnderlineStyles() {
        XCTAssertEqual(cell("\(esc)[4:3m").attributes, [.underline])
        XCTAssertEqual(cell("\(esc)[4m\(esc)[4:0m").attributes, [])
    }

    func testBasicColors() {
        XCTAssertEqual(cell("\(esc)[31m").foreground, .indexed(1))
        XCTAssertEqual(cell("\(esc)[37m").foreground, .indexed(7))
        XCTAssertEqual(cell("\(esc)[90m").foreground, .indexed(8))
        XCTAssertEqual(cell("\(esc)[97m").foreground, .indexed(15))
        XCTAssertEqual(cell("\(esc)[40m").background, .indexed(0))
        XCTAssertEqual(cell("\(esc)[47m").background, .indexed(7))
        XCTAssertEqual(cell("\(esc)[100m").background, .indexed(8))
        XCTAssertEqual(cell("\(esc)[107m").background, .indexed(15))
        XCTAssertEqual(cell("\(esc)[31;42;39m").foreground, .default)
        XCTAssertEqual(cell("\(esc)[31;42;49m").background, .default)
        XCTAssertEqual(cell("\(esc)[31;42;49m").foreground, .indexed(1))
    }

    func testIndexedColorsSemicolonAndColon() {
        XCTAssertEqual(cell("\(esc)[38;5;208m").foreground, .indexed(208))
        XCTAssertEqual(cell("\(esc)[48;5;17m").background, .indexed(17))
        XCTAssertEqual(cell("\(esc)[38:5:100m").foreground, .indexed(100))
        XCTAssertEqual(cell("\(esc)[48:5:255m").background, .indexed(255))
    }

    func testDirectColorsAllForms() {
        XCTAssertEqual(cell("\(esc)[38;2;1;2;3m").foreground, .rgb(0x010203))
        XCTAssertEqual(cell("\(esc)[48;2;255;128;0m").background, .rgb(0xFF8000))
        XCTAssertEqual(cell("\(esc)[38:2::10:20:30m").foreground, .rgb(0x0A141E))
        XCTAssertEqual(cell("\(esc)[38:2:0:10:20:30m").foreground, .rgb(0x0A141E), "with a colour-space id")
        XCTAssertEqual(cell("\(esc)[48:2:10:20:30m").background, .rgb(0x0A141E), "without the colour-space field")
    }

    func testColorsFollowedByMoreCodes() {
        let c = cell("\(esc)[38;2;1;2;3;1;48;5;4;3m")
        XCTAssertEqual(c.foreground, .rgb(0x010203))
        XCTAssertEqual(c.background, .indexed(4))
        XCTAssertEqual(c.attributes, [.bold, .italic])
        let d = cell("\(esc)[38:5:9;1m")
        XCTAssertEqual(d.foreground, .indexed(9))
        XCTAssertEqual(d.attributes, [.bold])
    }

    func testMalformedColorsAreIgnoredSafely() {
        XCTAssertEqual(cell("\(esc)[38;5;300;1m").foreground, .default)
        XCTAssertEqual(cell("\(esc)[38;5;300;1m").attributes, [.bold])
        XCTAssertEqual(cell("\(esc)[38;2;1;2m").foreground, .default)
        XCTAssertEqual(cell("\(esc)[38;2;999;0;0m").foreground, .default)
        XCTAssertEqual(cell("\(esc)[38m").foreground, .default)
        XCTAssertEqual(cell("\(esc)[38;5m").foreground, .default)
        XCTAssertEqual(cell("\(esc)[38;7;1m").attributes, [.bold], "unknown colour kind: skip it, keep going")
        XCTAssertEqual(cell("\(esc)[38:2:1m").foreground, .default)
    }

    func testUnderlineColorIsSkipped() {
        let c = cell("\(esc)[58:2::1:2:3;1m\(esc)[58;5;3;3m")
        XCTAssertEqual(c.attributes, [.bold, .italic])
        XCTAssertEqual(c.foreground, .default)
    }

    func testUnknownCodesAreSkipped() {
        XCTAssertEqual(cell("\(esc)[1;73;3m").attributes, [.bold, .italic])
    }

    func testTooManyParametersIgnoresTheSequence() {
        let codes = [String](repeating: "1", count: 20).joined(separator: ";")
        XCTAssertEqual(cell("\(esc)[\(codes)m").attributes, [])
    }
}
