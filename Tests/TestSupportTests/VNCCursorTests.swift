import Foundation
import XCTest
@testable import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// VNCClient's cursor pseudo-encodings, against hand-made bytes in QEMU 7.2's layout
/// (ui/vnc.c vnc_cursor_define) and a fake RFB server on a unix socket.
final class VNCCursorTests: XCTestCase {

    // MARK: decoding

    func testAlphaCursorWordsAreLittleEndianARGB() {
        // 2x1: opaque red, half-transparent white; bytes as QEMU writes uint32 on x86.
        let data: [UInt8] = [0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80]
        let c = VNCCursor(alphaCursorData: data, width: 2, height: 1, hotX: 1, hotY: 0)
        XCTAssertEqual(c.pixels, [0xffff_0000, 0x80ff_ffff])
        XCTAssertEqual(c.source, .alphaCursor)
        XCTAssertEqual(c.alpha(x: 1, y: 0), 0x80)
        XCTAssertNil(c.pixel(x: 2, y: 0))
        XCTAssertEqual(c.hotX, 1)
    }

    func testRichCursorMaskBecomesAlpha() {
        // 9x2 (mask rows are 2 bytes): visible pixels at (0,0), (8,0), (1,1).
        let w = 9, h = 2
        var data = [UInt8](repeating: 0, count: w * h * 4)
        func put(_ x: Int, _ y: Int, _ b: UInt8, _ g: UInt8, _ r: UInt8) {
            let o = (y * w + x) * 4
            data[o] = b; data[o + 1] = g; data[o + 2] = r
        }
        put(0, 0, 0xff, 0xff, 0xff)
        put(8, 0, 0x03, 0x02, 0x01)
        put(1, 1, 0x00, 0x00, 0x00)
        put(2, 1, 0x10, 0x20, 0x30)       // colour present but masked out
        let mask: [UInt8] = [0x80, 0x80, 0x40, 0x00]
        let c = VNCCursor(richCursorPixels: data, mask: mask, width: w, height: h, hotX: 0, hotY: 1)
        XCTAssertEqual(c.pixel(x: 0, y: 0), 0xffff_ffff)
        XCTAssertEqual(c.pixel(x: 8, y: 0), 0xff01_0203)
        XCTAssertEqual(c.pixel(x: 1, y: 1), 0xff00_0000)
        XCTAssertEqual(c.pixel(x: 2, y: 1), 0x0030_2010)
        XCTAssertEqual(c.alpha(x: 1, y: 0), 0)
        XCTAssertEqual(c.source, .richCursor)
        XCTAssertTrue(c.visibleBounds! == (0, 0, 9, 2))
        XCTAssertEqual(c.asciiArt(), "|o       #\n| #")
    }

    func testFullyTransparentCursor() {
        let c = VNCCursor(width: 2, height: 2, hotX: 0, hotY: 0, pixels: [0, 0, 0x00ff_ffff, 0], source: .alphaCursor)
        XCTAssertNil(c.visibleBounds)
        XCTAssertEqual(c.asciiArt(), "(fully transparent)")
    }

    // MARK: over the wire

    /// A one-shot RFB 3.8 server: handshake, read the client's SetPixelFormat + SetEncodings +
    /// FramebufferUpdateRequest, then send `messages`.
    final class FakeServer: @unchecked Sendable {
        let path: String
        let directory: URL
        private let listener: Int32
        private let lock = NSLock()
        private var _encodings: [Int32] = []
        private var _error: String? = nil
        private let done = DispatchSemaphore(value: 0)

        var encodings: [Int32] { lock.lock(); defer { lock.unlock() }; return _encodings }
        var error: String? { lock.lock(); defer { lock.unlock() }; return _error }

        init() throws {
            directory = try TempDir.make(prefix: "vnc-fake")
            path = directory.appendingPathComponent("s").path
            listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() { raw[i] = b }
            }
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
                }
            }
            guard ok, listen(listener, 1) == 0 else { throw TestSupportError.protocolError("fake server: bind/listen failed") }
        }

        func serve(_ messages: [[UInt8]]) {
            Thread { [self] in
                defer { done.signal() }
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else { return fail("accept") }
                defer { Glibc.close(fd) }
                func write(_ b: [UInt8]) -> Bool {
                    var off = 0
                    while off < b.count {
                        let n = b[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                        if n <= 0 { return false }
                        off += n
                    }
                    return true
                }
                func read(_ n: Int) -> [UInt8]? {
                    var out = [UInt8](repeating: 0, count: n)
                    var off = 0
                    while off < n {
                        let r = out[off...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                        if r <= 0 { return nil }
                        off += r
                    }
                    return out
                }
                guard write(Array("RFB 003.008\n".utf8)), read(12) != nil,
                      write([1, 1]), read(1) == [1], write([0, 0, 0, 0]), read(1) != nil else { return fail("handshake") }
                var serverInit: [UInt8] = []
                serverInit.appendBE16(64); serverInit.appendBE16(32)
                serverInit += [32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]
                serverInit.appendBE32(4); serverInit += Array("fake".utf8)
                guard write(serverInit), read(20) != nil, let head = read(4) else { return fail("init") }
                let count = Int(head[2]) << 8 | Int(head[3])
                guard let list = read(count * 4), read(10) != nil else { return fail("encodings") }
                var encodings: [Int32] = []
                for i in 0..<count {
                    let v = UInt32(list[i * 4]) << 24 | UInt32(list[i * 4 + 1]) << 16 | UInt32(list[i * 4 + 2]) << 8 | UInt32(list[i * 4 + 3])
                    encodings.append(Int32(bitPattern: v))
                }
                lock.lock(); _encodings = encodings; lock.unlock()
                // Like QEMU, answer SetEncodings with the LED state first (VNCClient's init
                // waits up to 2 s for it).
                let led = FakeServerMessages.update(x: 0, y: 0, w: 1, h: 1, encoding: -261, payload: [0])
                for m in [led] + messages where !write(m) { return fail("send") }
                // Keep the connection open until the client hangs up.
                _ = read(1 << 20)
            }.start()
        }

        private func fail(_ what: String) {
            lock.lock(); _error = "fake server: \(what) failed (errno \(errno))"; lock.unlock()
        }

        func finish() {
            _ = done.wait(timeout: .now() + 5)
            Glibc.close(listener)
            TempDir.remove(directory)
        }
    }

    static func update(x: Int, y: Int, w: Int, h: Int, encoding: Int32, payload: [UInt8]) -> [UInt8] {
        FakeServerMessages.update(x: x, y: y, w: w, h: h, encoding: encoding, payload: payload)
    }

    func testAlphaThenRichCursorOverTheWire() throws {
        let server = try FakeServer()
        defer { server.finish() }
        // 3x2 alpha cursor, hot spot (2,1): row 0 black, white, clear; row 1 clear, clear, 50% red.
        var alpha: [UInt8] = []
        alpha.appendBE32(0)                                                   // inner encoding: raw
        for p: UInt32 in [0xff00_0000, 0xffff_ffff, 0, 0, 0, 0x80ff_0000] {
            alpha += [UInt8(p & 0xff), UInt8(p >> 8 & 0xff), UInt8(p >> 16 & 0xff), UInt8(p >> 24)]
        }
        // 2x2 rich cursor, hot spot (1,0): pixels B,G,R,0; mask rows 1 byte each.
        let richPixels: [UInt8] = [0, 0, 0, 0, 0xff, 0xff, 0xff, 0, 0x11, 0x22, 0x33, 0, 0, 0, 0, 0]
        let richMask: [UInt8] = [0xc0, 0x00]
        server.serve([
            Self.update(x: 2, y: 1, w: 3, h: 2, encoding: -314, payload: alpha),
            Self.update(x: 1, y: 0, w: 2, h: 2, encoding: -239, payload: richPixels + richMask),
        ])
        let vnc = try VNCClient(socketPath: server.path, timeout: 5)
        defer { vnc.close() }

        let rich = try vnc.waitForCursor(timeout: 5) { $0.source == .richCursor }
        XCTAssertNil(server.error)
        XCTAssertEqual(Array(server.encodings.suffix(2)), [-314, -239])
        XCTAssertEqual(vnc.announcedEncodings, server.encodings)
        XCTAssertEqual(vnc.cursorUpdateCount, 2)
        XCTAssertEqual(rich.width, 2); XCTAssertEqual(rich.height, 2)
        XCTAssertEqual(rich.hotX, 1); XCTAssertEqual(rich.hotY, 0)
        XCTAssertEqual(rich.pixels, [0xff00_0000, 0xffff_ffff, 0x0033_2211, 0])
        XCTAssertTrue(vnc.isConnected)
        // Both arrived in order: the alpha one was parsed first and left the stream in step.
        XCTAssertEqual(vnc.framebufferSize.width, 64)
        XCTAssertEqual(vnc.framebufferUpdateCount, 3)   // LED state + 2 cursors
    }

    func testAlphaCursorParsed() throws {
        let server = try FakeServer()
        defer { server.finish() }
        var alpha: [UInt8] = []
        alpha.appendBE32(0)
        for p: UInt32 in [0xff00_0000, 0xffff_ffff, 0, 0, 0, 0x80ff_0000] {
            alpha += [UInt8(p & 0xff), UInt8(p >> 8 & 0xff), UInt8(p >> 16 & 0xff), UInt8(p >> 24)]
        }
        server.serve([Self.update(x: 2, y: 1, w: 3, h: 2, encoding: -314, payload: alpha)])
        let vnc = try VNCClient(socketPath: server.path, timeout: 5)
        defer { vnc.close() }
        let c = try vnc.waitForCursor(timeout: 5)
        XCTAssertEqual(c.source, .alphaCursor)
        XCTAssertEqual(c.width, 3); XCTAssertEqual(c.height, 2)
        XCTAssertEqual(c.hotX, 2); XCTAssertEqual(c.hotY, 1)
        XCTAssertEqual(c.pixels, [0xff00_0000, 0xffff_ffff, 0, 0, 0, 0x80ff_0000])
        XCTAssertEqual(c.asciiArt(), "|#o\n|  +")
        XCTAssertEqual(vnc.cursor, c)
    }

    func testRichOnlyAndNoCursorAnnouncements() throws {
        for (mode, expected) in [(VNCClient.CursorEncoding.rich, [Int32(-239)]), (.none, [])] {
            let server = try FakeServer()
            server.serve([])
            let vnc = try VNCClient(socketPath: server.path, timeout: 5, cursorEncoding: mode)
            let start = Date()
            while server.encodings.isEmpty && server.error == nil && Date().timeIntervalSince(start) < 5 {
                Thread.sleep(forTimeInterval: 0.01)
            }
            XCTAssertNil(server.error)
            XCTAssertEqual(server.encodings, [0, -223, -308, -261] + expected)
            XCTAssertNil(vnc.cursor)
            XCTAssertThrowsError(try vnc.waitForCursor(timeout: 0.2)) { error in
                guard case TestSupportError.timeout(let m)? = error as? TestSupportError else { return XCTFail("\(error)") }
                XCTAssertTrue(m.contains("no cursor shape received"), m)
            }
            vnc.close()
            server.finish()
        }
    }

    func testNonRawAlphaCursorIsAProtocolError() throws {
        let server = try FakeServer()
        defer { server.finish() }
        var payload: [UInt8] = []
        payload.appendBE32(16)                                                // ZRLE: not supported
        server.serve([Self.update(x: 0, y: 0, w: 1, h: 1, encoding: -314, payload: payload)])
        let vnc = try VNCClient(socketPath: server.path, timeout: 5)
        defer { vnc.close() }
        XCTAssertThrowsError(try vnc.waitForCursor(timeout: 5)) { error in
            XCTAssertTrue("\(error)".contains("only raw"), "\(error)")
        }
    }
}

enum FakeServerMessages {
    /// FramebufferUpdate with one pseudo-rectangle.
    static func update(x: Int, y: Int, w: Int, h: Int, encoding: Int32, payload: [UInt8]) -> [UInt8] {
        var m: [UInt8] = [0, 0]
        m.appendBE16(1)
        m.appendBE16(x); m.appendBE16(y); m.appendBE16(w); m.appendBE16(h)
        m.appendBE32(UInt32(bitPattern: encoding))
        return m + payload
    }
}
