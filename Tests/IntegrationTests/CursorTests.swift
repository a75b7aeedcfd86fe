import Foundation
import TestSupport
import XCTest

/// virtio-gpu's hardware cursor (UPDATE_CURSOR on the cursor queue), judged by the cursor shape
/// QEMU's VNC server forwards to its clients (VNC never shows the pointer's position, only
/// its image and hot spot).
final class CursorTests: XCTestCase {
    static let gpu = ["-device", "virtio-gpu-device"]
    static let ramfb = ["-device", "ramfb"]

    /// Lumen's arrow, written down independently of the kernel: '1' opaque black, '2' opaque
    /// white, anything else (space, '0', past the end of a row) transparent.
    static let arrow: [String] = [
        "1", "11", "121", "1221", "12221", "122221", "1222221", "12222221", "122222221", "1222222221",
        "12222222221", "122222211111", "1222121", "122112 21", "1210 1221", "110  1221", "1     1221",
        "       1221", "        11",
    ]
    static let black: UInt32 = 0xff00_0000
    static let white: UInt32 = 0xffff_ffff
    static let clear: UInt32 = 0x0000_0000

    /// The whole 64×64 image the kernel uploads (its DMA memory starts zeroed).
    static func expectedImage() -> [UInt32] {
        var pixels = [UInt32](repeating: clear, count: 64 * 64)
        for (y, row) in arrow.enumerated() {
            for (x, c) in row.enumerated() {
                switch c {
                case "1": pixels[y * 64 + x] = black
                case "2": pixels[y * 64 + x] = white
                default: break
                }
            }
        }
        return pixels
    }

    func hex(_ v: UInt32?) -> String { v.map { String(format: "0x%08x", $0) } ?? "nil" }

    /// Size, hot spot, hand-picked pixels, then the whole image.
    func assertIsLumenArrow(_ cursor: VNCCursor, file: StaticString = #filePath, line: UInt = #line) {
        let art = "\n\(cursor)\n\(cursor.asciiArt())"
        XCTAssertEqual(cursor.width, 64, art, file: file, line: line)
        XCTAssertEqual(cursor.height, 64, art, file: file, line: line)
        XCTAssertEqual(cursor.hotX, 0, art, file: file, line: line)
        XCTAssertEqual(cursor.hotY, 0, art, file: file, line: line)
        guard cursor.width == 64, cursor.height == 64 else { return }

        let samples: [(x: Int, y: Int, value: UInt32)] = [
            (0, 0, Self.black),     // the tip, at the hot spot
            (1, 0, Self.clear),
            (1, 2, Self.white),
            (5, 10, Self.white),
            (10, 10, Self.black),   // right edge of the widest white row
            (11, 11, Self.black),   // end of the "111111" base
            (12, 11, Self.clear),
            (3, 13, Self.black),
            (6, 13, Self.clear),    // the space in "122112 21"
            (7, 13, Self.white),
            (3, 14, Self.clear),    // the '0' in "1210 1221"
            (6, 16, Self.black),
            (8, 18, Self.black),
            (9, 18, Self.black),
            (0, 19, Self.clear),    // below the shape
            (20, 5, Self.clear),
            (63, 63, Self.clear),
        ]
        for s in samples {
            XCTAssertEqual(hex(cursor.pixel(x: s.x, y: s.y)), hex(s.value), "pixel (\(s.x),\(s.y))\(art)", file: file, line: line)
        }

        let expected = Self.expectedImage()
        var mismatches: [String] = []
        for i in 0..<expected.count where cursor.pixels[i] != expected[i] {
            mismatches.append("(\(i % 64),\(i / 64)) \(hex(cursor.pixels[i])) != \(hex(expected[i]))")
        }
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) pixels differ, first: \(mismatches.prefix(8))\(art)",
                      file: file, line: line)
        if let b = cursor.visibleBounds {
            XCTAssertTrue(b == (0, 0, 12, 19), "visible bounds \(b)", file: file, line: line)
        } else {
            XCTFail("cursor is fully transparent", file: file, line: line)
        }
    }

    func testVirtioGPUCursorShapeReachesVNC() throws {
        let lumen = try LumenConsole(devices: Self.gpu, vnc: true, testCase: self)
        let vnc = try lumen.qemu.vnc()
        XCTAssertEqual(Array(vnc.announcedEncodings.suffix(2)), [-314, -239])
        // Lumen defines no pointer until asked, so QEMU had nothing to send on SetEncodings.
        XCTAssertNil(vnc.cursor, "\(vnc.cursor.map { "\($0)" } ?? "")")
        let before = vnc.cursorUpdateCount

        let output = try lumen.run("display cursor 100 100")
        XCTAssertTrue(output.contains("display cursor: at 100,100"), output)
        _ = try vnc.waitForCursorUpdate(after: before, timeout: 10)
        let cursor = try XCTUnwrap(vnc.cursor)
        // QEMU prefers the alpha cursor when the client announces it.
        XCTAssertEqual(cursor.source, .alphaCursor)
        assertIsLumenArrow(cursor)

        // A client that only speaks the rich cursor, connecting now, gets the current shape
        // straight after SetEncodings: colours plus a 1-bit mask, the same picture here since
        // every pixel is fully opaque or fully transparent.
        let rich = try VNCClient(socketPath: lumen.qemu.vncSocketPath, cursorEncoding: .rich)
        defer { rich.close() }
        let richCursor = try rich.waitForCursor(timeout: 10)
        XCTAssertEqual(richCursor.source, .richCursor)
        assertIsLumenArrow(richCursor)
        XCTAssertTrue(richCursor.pixels == cursor.pixels)

        // Moving the pointer (MOVE_CURSOR) keeps the shape: still the arrow, and the kernel
        // keeps answering.
        let moved = try lumen.run("display cursor 300 200")
        XCTAssertTrue(moved.contains("display cursor: at 300,200"), moved)
        assertIsLumenArrow(try XCTUnwrap(vnc.cursor))
        XCTAssertTrue(vnc.isConnected)
    }

    func testRamFBHasNoHardwareCursor() throws {
        let lumen = try LumenConsole(devices: Self.ramfb, testCase: self)
        let output = try lumen.run("display cursor 10 10")
        XCTAssertTrue(output.contains("no hardware cursor"), output)
        XCTAssertFalse(output.contains("display cursor: at"), output)
    }
}
