import Drivers
import Foundation
import TestSupport
import XCTest

/// The display path against QEMU's virtio-gpu and ramfb, judged by QMP screendump.
final class DisplayTests: XCTestCase {
    static let gpu = ["-device", "virtio-gpu-device,id=gpu0"]
    static let ramfb = ["-device", "ramfb,id=fb0"]

    /// What `lumen.test=pattern` draws, computed independently here.
    static func expectedPattern(width: Int, height: Int) -> [UInt32] {
        let bars: [UInt32] = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000]
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let value: UInt32
                if y < height / 2 {
                    value = bars[x * 8 / width]
                } else if y < height * 3 / 4 {
                    value = (x / 16 + y / 16) & 1 == 0 ? 0xffffff : 0
                } else {
                    let level = UInt32(x * 255 / (width - 1))
                    value = level << 16 | level << 8 | level
                }
                pixels[y * width + x] = value
            }
        }
        return pixels
    }

    func assertShowsPattern(_ image: PPMImage, width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(image.width, width, file: file, line: line)
        XCTAssertEqual(image.height, height, file: file, line: line)
        guard image.width == width, image.height == height else { return }
        let expected = DisplayTests.expectedPattern(width: width, height: height)
        var mismatches = 0
        var first: (Int, Int, UInt32, UInt32)? = nil
        for index in 0..<expected.count where image.pixels[index] != expected[index] {
            mismatches += 1
            if first == nil { first = (index % width, index / width, image.pixels[index], expected[index]) }
        }
        XCTAssertEqual(mismatches, 0, "first mismatch at \(String(describing: first))", file: file, line: line)
    }

    func boot(devices: [String], append: String? = "lumen.test=pattern", modern: Bool = false, vnc: Bool = false) throws -> LumenConsole {
        try LumenConsole(append: append, modern: modern, devices: devices, vnc: vnc, testCase: self)
    }

    func testPatternOnVirtioGPULegacy() throws {
        let lumen = try boot(devices: Self.gpu)
        XCTAssertTrue(lumen.bootLog.contains("display: virtio-gpu 1280x800 (from EDID)"), lumen.bootLog)
        assertShowsPattern(try lumen.qemu.screendump(), width: 1280, height: 800)
    }

    func testPatternOnVirtioGPUModern() throws {
        let lumen = try boot(devices: Self.gpu, modern: true)
        XCTAssertTrue(lumen.bootLog.contains("display: virtio-gpu"), lumen.bootLog)
        XCTAssertTrue(lumen.bootLog.contains("modern  gpu       gpu       EDID"), lumen.bootLog)
        assertShowsPattern(try lumen.qemu.screendump(), width: 1280, height: 800)
    }

    func testPatternOnRamFBAlone() throws {
        let lumen = try boot(devices: Self.ramfb)
        XCTAssertTrue(lumen.bootLog.contains("display: ramfb 1024x768"), lumen.bootLog)
        assertShowsPattern(try lumen.qemu.screendump(), width: 1024, height: 768)
    }

    func testGPUWinsWhenBothArePresent() throws {
        let lumen = try boot(devices: Self.gpu + Self.ramfb)
        XCTAssertTrue(lumen.bootLog.contains("display: virtio-gpu"), lumen.bootLog)
        assertShowsPattern(try lumen.qemu.screendump(device: "gpu0"), width: 1280, height: 800)
    }

    func testRamFBForcedFromTheCommandLine() throws {
        let lumen = try boot(devices: Self.gpu + Self.ramfb, append: "lumen.test=pattern lumen.display=ramfb")
        XCTAssertTrue(lumen.bootLog.contains("display: ramfb 1024x768"), lumen.bootLog)
        assertShowsPattern(try lumen.qemu.screendump(device: "fb0"), width: 1024, height: 768)
    }

    func testResolutionFromFwCfgConfigFile() throws {
        let lumen = try boot(devices: Self.gpu + ["-fw_cfg", "name=opt/lumen/config,string=resolution=800x600"])
        XCTAssertTrue(lumen.bootLog.contains("fw_cfg: read opt/lumen/config"), lumen.bootLog)
        assertShowsPattern(try lumen.qemu.screendump(), width: 800, height: 600)
    }

    func testCommandLineOverridesFwCfgResolution() throws {
        let lumen = try boot(devices: Self.ramfb + ["-fw_cfg", "name=opt/lumen/config,string=resolution=800x600"],
                             append: "lumen.test=pattern lumen.resolution=640x480")
        assertShowsPattern(try lumen.qemu.screendump(), width: 640, height: 480)
    }

    func testVNCDesktopSizeRequestResizesAndRedraws() throws {
        let lumen = try boot(devices: Self.gpu, vnc: true)
        let vnc = try lumen.qemu.vnc()
        defer { vnc.close() }
        try vnc.requestDesktopSize(width: 1024, height: 600)
        let deadline = Date().addingTimeInterval(10)
        var image = try lumen.qemu.screendump()
        while (image.width != 1024 || image.height != 600) && Date() < deadline {
            usleep(100_000)
            image = try lumen.qemu.screendump()
        }
        _ = try lumen.qemu.waitForSerial("display: resized to 1024x600", timeout: 5)
        // The redraw is presented on the next frame: wait for the pattern's last bar.
        let expected = DisplayTests.expectedPattern(width: 1024, height: 600)
        assertShowsPattern(try lumen.waitForScreen { $0.width == 1024 && $0.height == 600 && $0.pixels == expected },
                           width: 1024, height: 600)
    }

    func testDamageFlushTransfersOnlyTheRectangle() throws {
        let lumen = try boot(devices: Self.gpu)
        let output = try lumen.run("display damage 10 20 30 40")
        XCTAssertTrue(output.contains("display damage: 30x40 at 10,20: 4800 bytes transferred"), output)
        let image = try lumen.qemu.screendump()
        XCTAssertEqual(image.pixel(x: 10, y: 20), 0xff8000)
        XCTAssertEqual(image.pixel(x: 39, y: 59), 0xff8000)
        XCTAssertNotEqual(image.pixel(x: 40, y: 60), 0xff8000)
    }

    func testBootScreenShowsTheConsoleAndStatusBar() throws {
        let lumen = try boot(devices: Self.gpu + ["-device", "virtio-rng-device"], append: nil)
        let image = try lumen.waitForScreen { $0.pixel(x: $0.width / 2, y: $0.height - 2) == 0x305080 }
        // The status bar along the bottom, with its text (the console number, the clock) in it.
        XCTAssertEqual(image.pixel(x: image.width / 2, y: image.height - 2), 0x305080)
        let bar = image.cropped(x: 0, y: image.height - 19, width: image.width, height: 19)
        XCTAssertGreaterThan(bar.count { $0 != 0x305080 }, 100, "no status bar text")
        // Above it the boot log, light text on the black console background.
        let body = image.cropped(x: 0, y: 0, width: image.width, height: 400)
        XCTAssertGreaterThan(body.count { $0 != 0 }, 5000, "no boot log text")
    }

    func testRealEDIDFromQEMUParses() throws {
        let lumen = try boot(devices: ["-device", "virtio-gpu-device,xres=1024,yres=768"], append: nil)
        let output = try lumen.run("edid")
        let hex = String(output.split(whereSeparator: \.isNewline).filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }.joined())
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        XCTAssertGreaterThanOrEqual(bytes.count, 128)
        let edid = try EDID(bytes)
        XCTAssertEqual(edid.preferredMode?.width, 1024)
        XCTAssertEqual(edid.preferredMode?.height, 768)
        XCTAssertTrue(output.contains("preferred mode 1024x768"), output)
        // The same blob with one byte flipped fails its checksum, with words saying so.
        var corrupted = bytes
        corrupted[20] ^= 0x40
        XCTAssertThrowsError(try EDID(corrupted)) { error in
            XCTAssertTrue((error as? EDIDError)?.message.lowercased().contains("checksum") ?? false, "\(error)")
        }
    }
}

/// Two scanouts (`max_outputs=2`): when the second head is enabled (a VNC client on
/// head 1 asks for a size), it shows the console too.
final class MultiHeadDisplayTests: XCTestCase {
    func testSecondScanoutShowsTheConsoleOnceEnabled() throws {
        let headSocket = NSTemporaryDirectory() + "lumen-head1-\(UUID().uuidString.prefix(8)).sock"
        addTeardownBlock { unlink(headSocket) }
        let lumen = try LumenConsole(append: "lumen.test=pattern",
                                     devices: ["-device", "virtio-gpu-device,id=gpu0,max_outputs=2",
                                               "-vnc", "unix:\(headSocket),display=gpu0,head=1"],
                                     testCase: self)
        XCTAssertTrue(try lumen.run("display").contains("1:0x0(off)"))
        let vnc = try VNCClient(socketPath: headSocket)
        defer { vnc.close() }
        try vnc.requestDesktopSize(width: 800, height: 600)
        _ = try lumen.qemu.waitForSerial("display: scanout 1 enabled (800x600)", timeout: 10)
        // The top-left of the console's pattern (its bars are 160 pixels wide at 1280),
        // once the head's first frame is presented.
        let full = DisplayTests.expectedPattern(width: 1280, height: 800)
        let points = [(5, 5), (170, 10), (330, 300), (799, 399), (700, 599)]
        let head1 = try lastValue(timeout: 3, interval: 0.05, { try lumen.qemu.screendump(device: "gpu0", head: 1) }) { image in
            image.width == 800 && image.height == 600 && points.allSatisfy { image.pixel(x: $0.0, y: $0.1) == full[$0.1 * 1280 + $0.0] }
        }
        XCTAssertEqual(head1.width, 800)
        XCTAssertEqual(head1.height, 600)
        for (x, y) in points where head1.width == 800 && head1.height == 600 {
            XCTAssertEqual(head1.pixel(x: x, y: y), full[y * 1280 + x], "at \(x),\(y)")
        }
        // Head 0 still shows the whole console.
        let head0 = try lumen.qemu.screendump(device: "gpu0", head: 0)
        XCTAssertEqual(head0.width, 1280)
    }
}

/// `scripts/run` with a screen opens QEMU's GTK window. GTK first sizes the
/// window to QEMU's 640x480 "display not active" surface and reports that size
/// to virtio-gpu; the console used to follow it and shrink to 640x480 right
/// after boot. A virtual X server (Xvfb) stands in for the screen.
final class GTKWindowTests: XCTestCase {
    func testTheWindowsFirstSizeHintDoesNotShrinkTheConsole() throws {
        let number = 40 + Int(getpid() % 40)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
        server.arguments = [":\(number)", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let socket = "/tmp/.X11-unix/X\(number)"
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: socket), "Xvfb did not start")
        setenv("DISPLAY", ":\(number)", 1)
        defer { unsetenv("DISPLAY") }
        let lumen = try LumenConsole(devices: ["-device", "virtio-gpu-device", "-device", "virtio-keyboard-device",
                                               "-display", "gtk"], testCase: self)
        // The hint comes once the window is up; give it time, then ask.
        let mark = lumen.qemu.serialOutput.startIndex
        _ = try? lumen.qemu.waitForSerial("first size hint", after: mark, timeout: 8)
        let output = try lumen.run("display")
        XCTAssertTrue(output.contains("virtio-gpu 1280x800"), output)
        XCTAssertFalse(lumen.bootLog.contains("resized to 640x480"), lumen.bootLog)
    }
}
