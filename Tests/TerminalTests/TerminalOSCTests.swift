import Terminal
import XCTest

final class TerminalOSCTests: XCTestCase {
    func testTitle() {
        let t = terminal("\(esc)]0;hello\u{7}")
        XCTAssertEqual(t.title, "hello")
        XCTAssertTrue(t.titleChanged)
        XCTAssertTrue(t.takeDamage().titleChanged)
        XCTAssertFalse(t.titleChanged)
        XCTAssertFalse(t.takeDamage().titleChanged)
        t.feed("\(esc)]2;über; und ✓\(esc)\\")
        XCTAssertEqual(t.title, "über; und ✓")
        t.feed("\(esc)]2;\u{7}")
        XCTAssertEqual(t.title, "")
    }

    func testTitleIsBounded() {
        let t = terminal("\(esc)]2;\(String(repeating: "x", count: 255))é…\u{7}")
        XCTAssertEqual(t.title.utf8.count, 255, "cut before the split character")
        let u = terminal("\(esc)]2;\(String(repeating: "y", count: 300))\u{7}")
        XCTAssertEqual(u.title, String(repeating: "y", count: Terminal.maximumTitleLength))
    }

    func testTruncatedOSCIsIgnored() {
        let t = terminal("\(esc)]2;\(String(repeating: "y", count: 600))\u{7}after")
        XCTAssertEqual(t.title, "")
        XCTAssertEqual(screenLines(t)[0], "after")
    }

    func testOtherOSCsAreIgnored() {
        let t = terminal("\(esc)]1;icon\u{7}\(esc)]7;file:///\u{7}\(esc)]52;c;aGk=\u{7}\(esc)]x;y\u{7}ok")
        XCTAssertEqual(t.title, "")
        XCTAssertEqual(screenLines(t)[0], "ok")
    }

    func testDefaultPalette() {
        let palette = Terminal().palette
        XCTAssertEqual(palette.count, 256)
        XCTAssertEqual(palette[0], 0x000000)
        XCTAssertEqual(palette[1], 0xCD0000)
        XCTAssertEqual(palette[4], 0x0000EE)
        XCTAssertEqual(palette[7], 0xE5E5E5)
        XCTAssertEqual(palette[8], 0x7F7F7F)
        XCTAssertEqual(palette[12], 0x5C5CFF)
        XCTAssertEqual(palette[15], 0xFFFFFF)
        XCTAssertEqual(palette[16], 0x000000)
        XCTAssertEqual(palette[17], 0x00005F)
        XCTAssertEqual(palette[196], 0xFF0000)
        XCTAssertEqual(palette[231], 0xFFFFFF)
        XCTAssertEqual(palette[232], 0x080808)
        XCTAssertEqual(palette[255], 0xEEEEEE)
    }

    func testSetPaletteEntries() {
        let t = terminal("\(esc)]4;1;rgb:12/34/56\u{7}")
        XCTAssertEqual(t.palette[1], 0x123456)
        t.feed("\(esc)]4;2;#abcdef;3;rgb:f/0/8\(esc)\\")
        XCTAssertEqual(t.palette[2], 0xABCDEF)
        XCTAssertEqual(t.palette[3], 0xFF0088)
        t.feed("\(esc)]4;200;rgb:1234/5678/9abc\u{7}\(esc)]4;201;#fff\u{7}\(esc)]4;202;#123456789\u{7}")
        XCTAssertEqual(t.palette[200], 0x12569A)
        XCTAssertEqual(t.palette[201], 0xF0F0F0)
        XCTAssertEqual(t.palette[202], 0x124578)
    }

    func testInvalidPaletteSpecificationsAreIgnored() {
        let t = terminal("\(esc)]4;1;red\u{7}\(esc)]4;2;rgb:12/34\u{7}\(esc)]4;3;#12345\u{7}\(esc)]4;300;#ffffff\u{7}\(esc)]4;4;rgb:12345/0/0\u{7}\(esc)]4;x;#fff\u{7}")
        XCTAssertEqual(Array(t.palette[0 ..< 5]), Array(Terminal().palette[0 ..< 5]))
        XCTAssertEqual(t.palette.count, 256)
    }

    func testQueryPaletteEntry() {
        let t = terminal("\(esc)]4;1;?\u{7}")
        XCTAssertEqual(responsesText(t), "\(esc)]4;1;rgb:cdcd/0000/0000\u{7}")
        t.feed("\(esc)]4;12;?\(esc)\\")
        XCTAssertEqual(responsesText(t), "\(esc)]4;12;rgb:5c5c/5c5c/ffff\(esc)\\")
    }

    func testResetPalette() {
        let t = terminal("\(esc)]4;1;#010101;2;#020202;3;#030303\u{7}\(esc)]104;1;3\u{7}")
        XCTAssertEqual(t.palette[1], 0xCD0000)
        XCTAssertEqual(t.palette[2], 0x020202)
        XCTAssertEqual(t.palette[3], 0xCDCD00)
        t.feed("\(esc)]104\u{7}")
        XCTAssertEqual(t.palette, Terminal().palette)
        t.feed("\(esc)]4;5;#050505\u{7}\(esc)]104;\u{7}")
        XCTAssertEqual(t.palette[5], 0xCD00CD)
    }

    func testDefaultColors() {
        let t = terminal("\(esc)]10;#102030\u{7}\(esc)]11;rgb:40/50/60\u{7}")
        XCTAssertEqual(t.defaultForeground, 0x102030)
        XCTAssertEqual(t.defaultBackground, 0x405060)
        t.feed("\(esc)]10;?\u{7}\(esc)]11;?\(esc)\\")
        XCTAssertEqual(responsesText(t), "\(esc)]10;rgb:1010/2020/3030\u{7}\(esc)]11;rgb:4040/5050/6060\(esc)\\")
        t.feed("\(esc)]10;#000001;#000002\u{7}")
        XCTAssertEqual(t.defaultForeground, 0x000001)
        XCTAssertEqual(t.defaultBackground, 0x000002, "a second spec sets the next colour")
        t.feed("\(esc)]110\u{7}\(esc)]111\u{7}")
        XCTAssertEqual(t.defaultForeground, 0xE5E5E5)
        XCTAssertEqual(t.defaultBackground, 0x000000)
    }

    func testPaletteChangesRedrawEverything() {
        let t = terminal()
        _ = t.takeDamage()
        t.feed("\(esc)]4;1;#000000\u{7}")
        XCTAssertTrue(t.takeDamage().fullRedraw)
        t.feed("\(esc)]4;1;?\u{7}")
        XCTAssertFalse(t.takeDamage().fullRedraw, "a query changes nothing")
    }
}
