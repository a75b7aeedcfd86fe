import Graphics
import XCTest

/// The blend formula exactly as specified, in the most obvious arithmetic.
func referenceMix(_ foreground: UInt8, _ background: UInt8, _ alpha: UInt8) -> UInt8 {
    let f = Int(foreground), b = Int(background), a = Int(alpha)
    return UInt8((f * a + b * (255 - a) + 127) / 255)
}

func referenceBlend(_ foreground: Color, over background: Color, alpha: UInt8) -> Color {
    Color(red: referenceMix(foreground.red, background.red, alpha),
          green: referenceMix(foreground.green, background.green, alpha),
          blue: referenceMix(foreground.blue, background.blue, alpha))
}

final class ColorTests: XCTestCase {
    func testComponents() {
        let c = Color(red: 0x12, green: 0x34, blue: 0x56)
        XCTAssertEqual(c.xrgb, 0x0012_3456)
        XCTAssertEqual(c.red, 0x12)
        XCTAssertEqual(c.green, 0x34)
        XCTAssertEqual(c.blue, 0x56)
        // The X byte is not part of the colour.
        XCTAssertEqual(Color(xrgb: 0xFF12_3456), c)
        XCTAssertEqual(Color.white.xrgb, 0x00FF_FFFF)
        XCTAssertEqual(Color.red, Color(red: 255, green: 0, blue: 0))
        XCTAssertEqual(Color.green.green, 255)
        XCTAssertEqual(Color.blue.xrgb, 0xFF)
    }

    /// Every foreground, background and alpha, on all three channels at once (the
    /// lanes are computed together, so each channel gets its own value pattern).
    func testBlendMatchesFormulaExhaustively() {
        for alpha in 0 ... 255 {
            let a = UInt8(alpha)
            for f in 0 ... 255 {
                let fg = Color(red: UInt8(f), green: UInt8(255 - f), blue: UInt8(f ^ 0x5A))
                for b in 0 ... 255 {
                    let bg = Color(red: UInt8(b), green: UInt8(b ^ 0xA5), blue: UInt8(255 - b))
                    let got = fg.blended(over: bg, alpha: a)
                    let want = referenceBlend(fg, over: bg, alpha: a)
                    if got != want {
                        XCTFail("fg \(fg.xrgb) bg \(bg.xrgb) a \(alpha): got \(got.xrgb), want \(want.xrgb)")
                        return
                    }
                }
            }
        }
    }

    /// The rounding table for a few named colours: the endpoints are exact and the
    /// midpoint rounds half up (127.5 → 128).
    func testBlendTableForNamedColours() {
        let colours: [Color] = [.black, .white, .gray, .red, .green, .blue, .yellow, .cyan, .magenta,
                                Color(xrgb: 0x12_3456), Color(xrgb: 0xFE_0180)]
        for fg in colours {
            for bg in colours {
                XCTAssertEqual(fg.blended(over: bg, alpha: 255), fg)
                XCTAssertEqual(fg.blended(over: bg, alpha: 0), bg)
                for alpha in 0 ... 255 {
                    XCTAssertEqual(fg.blended(over: bg, alpha: UInt8(alpha)),
                                   referenceBlend(fg, over: bg, alpha: UInt8(alpha)))
                }
            }
        }
        XCTAssertEqual(Color.white.blended(over: .black, alpha: 128), Color(xrgb: 0x80_8080))
        XCTAssertEqual(Color.white.blended(over: .black, alpha: 127), Color(xrgb: 0x7F_7F7F))
        XCTAssertEqual(Color.white.blended(over: .black, alpha: 1), Color(xrgb: 0x01_0101))
        XCTAssertEqual(Color.black.blended(over: .white, alpha: 1), Color(xrgb: 0xFE_FEFE))
    }
}
