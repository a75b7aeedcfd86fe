import Graphics
import Text
import XCTest

/// Micro-benchmarks: print figures, assert nothing. Meaningful in release:
///
///     swift test -c release --filter TextBenchmarks
final class TextBenchmarks: XCTestCase {
    #if DEBUG
    let screens = 5
    let build = "debug"
    #else
    let screens = 500
    let build = "release"
    #endif

    func seconds(_ body: () -> Void) -> Double {
        let (s, attoseconds) = ContinuousClock().measure(body).components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    func report(_ what: String, _ figure: String) {
        print("[TextBenchmarks \(build)] \(what): \(figure)")
    }

    func testCellsPerSecond80x25() throws {
        for size in [16, 24] {
            let cache = try TestFonts.cache(size: size)
            for style in FontStyle.allCases { cache.prerenderASCII(style: style) }
            let painter = CellPainter(cache: cache)
            let m = painter.metrics
            let canvas = Canvas(width: 80 * m.width, height: 25 * m.height)
            let text: [UInt32] = (0 ..< 80 * 25).map { UInt32(0x21 + ($0 * 7) % 94) }
            var checksum: UInt32 = 0
            for (label, styled) in [("regular", false), ("mixed styles + underline", true)] {
                let time = seconds {
                    for screen in 0 ..< screens {
                        for row in 0 ..< 25 {
                            for column in 0 ..< 80 {
                                let i = row * 80 + column
                                painter.drawCell(
                                    text[(i + screen) % text.count], column: column, row: row,
                                    style: styled ? FontStyle(rawValue: UInt8(i & 3))! : .regular,
                                    attributes: styled && i % 5 == 0 ? .underline : [],
                                    foreground: Color(xrgb: 0xD0_D0D0), background: Color(xrgb: UInt32(screen & 1)),
                                    on: canvas.surface)
                            }
                        }
                    }
                }
                checksum &+= canvas.pixel(5, 5)
                let cells = Double(80 * 25 * screens)
                report("\(size) px, cell \(m.width)x\(m.height), 80x25 \(label), \(screens) screens",
                       "\(Int((cells / time).rounded())) cells/s, \(Int((Double(screens) / time).rounded())) screens/s")
            }
            XCTAssertEqual(cache.statistics.evictions, 0)
            _ = checksum
        }
    }

    func testColdCacheFirstScreen() throws {
        let cache = try TestFonts.cache(size: 16)
        let painter = CellPainter(cache: cache)
        let m = painter.metrics
        let canvas = Canvas(width: 80 * m.width, height: 25 * m.height)
        let time = seconds {
            for style in FontStyle.allCases {
                cache.removeAll()
                cache.prerenderASCII(style: style)
            }
        }
        report("prerenderASCII 16 px, 4 styles (95 glyphs each)",
               "\(Int((time * 1e6 / 4).rounded())) µs per style, \(cache.bytesUsed) bytes per style")
        _ = canvas
    }
}
