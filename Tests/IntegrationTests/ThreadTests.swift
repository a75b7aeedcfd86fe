import Foundation
import TestSupport
import XCTest

/// The kernel core: threads that block. A long command no longer holds the
/// machine: keys, LEDs, Ctrl-C, other consoles and background servers go on
/// while it runs, and a stalled device blocks only the command that waits on it.
final class ThreadTests: XCTestCase {
    static let gpuAndKeyboard = ["-device", "virtio-gpu-device", "-device", "virtio-keyboard-device"]

    /// `count` bytes of numbered 68-byte text lines (67 characters and a newline).
    static func textLines(_ count: Int) -> Data {
        var data = Data(capacity: count + 68)
        var line = 0
        while data.count < count {
            let text = String(format: "%07d", line) + " the quick brown fox jumps over the lazy dog, Lumen console 0123"
            data.append(contentsOf: Array(text.utf8.prefix(67)) + [0x0a])
            line += 1
        }
        return data.prefix(count)
    }

    /// While `cat` of a 16 MiB file runs on the graphical console, Caps Lock
    /// lights its LED at once, and Ctrl-C on the serial port stops the cat
    /// (before it ends: no prompt came between the command and the ^C).
    func testCapsLockAndControlCRespondDuringALongCat() throws {
        let image = try FATImage()
        addTeardownBlock { image.remove() }
        try image.put("big.txt", Self.textLines(16 << 20))
        let lumen = try LumenConsole(memoryMiB: 512, append: "lumen.console.blink=off",
                                     devices: image.drive() + Self.gpuAndKeyboard, vnc: true, testCase: self)
        let vnc = try lumen.qemu.vnc()
        defer { vnc.close() }
        _ = try vnc.waitForLEDState(timeout: 5) { _, _, caps in !caps }
        let mark = lumen.qemu.serialOutput.endIndex
        _ = lumen.qemu.typeOnSerial("cat /big.txt\r")
        _ = try lumen.qemu.waitForSerial("the quick brown fox", after: mark, timeout: 20)
        let pressed = Date()
        try lumen.qemu.pressKey("caps_lock")
        _ = try vnc.waitForLEDState(timeout: 1) { _, _, caps in caps }
        let ledLatency = Date().timeIntervalSince(pressed)
        try lumen.qemu.pressKey("caps_lock")
        _ = try vnc.waitForLEDState(timeout: 1) { _, _, caps in !caps }
        let interrupt = Date()
        _ = lumen.qemu.writeSerial([0x03])
        let stopped = try lumen.qemu.waitForSerial("^C", after: mark, timeout: 5)
        _ = try lumen.qemu.waitForSerial("lumen> ", after: stopped.endIndex, timeout: 5)
        let stopLatency = Date().timeIntervalSince(interrupt)
        XCTAssertFalse(String(stopped[mark...]).contains("lumen> "), "cat ended before Ctrl-C; the test proves nothing")
        XCTAssertLessThan(ledLatency, 1.0)
        XCTAssertLessThan(stopLatency, 5.0)
        XCTAssertTrue(try lumen.run("echo after").contains("after"))
        // The cat's parsing was preempted at the end of interrupts (the render
        // thread's frame timer, the key), not only at its preemption points.
        let threads = try lumen.run("threads")
        let preempted = threads.split(separator: "\n").first { $0.contains("at the end of an interrupt") }
            .flatMap { $0.split(separator: ",").last?.split(separator: " ").first }.flatMap { Int($0) } ?? 0
        XCTAssertGreaterThan(preempted, 0, threads)
    }

    /// httpd serves a 4 MiB file byte-identical while the shell copies another
    /// file on the same disk and wget writes a third; all three are identical
    /// afterwards and the volume is clean.
    func testHttpdServesWhileTheShellCopiesAndWgetWrites() throws {
        let image = try FATImage()
        addTeardownBlock { image.remove() }
        let served = HostNetwork.payload(4 << 20)
        var copied = served
        copied.withUnsafeMutableBytes { raw in for index in stride(from: 0, to: raw.count, by: 7) { raw[index] ^= 0x5A } }
        var fetched = served
        fetched.withUnsafeMutableBytes { raw in for index in stride(from: 0, to: raw.count, by: 5) { raw[index] ^= 0xC3 } }
        try image.put("served.bin", served)
        try image.put("source.bin", copied)
        let hostDirectory = image.directory.appendingPathComponent("host")
        try FileManager.default.createDirectory(at: hostDirectory, withIntermediateDirectories: true)
        try fetched.write(to: hostDirectory.appendingPathComponent("fetched.bin"))
        let hostPort = HostNetwork.freePort()
        let server = try HostNetwork.fileServer(directory: hostDirectory, port: hostPort)
        defer { server.stop() }
        let forward = HostNetwork.freePort()
        let lumen = try LumenConsole(memoryMiB: 512,
                                     devices: image.drive() + ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:\(forward)-:80",
                                                               "-device", "virtio-net-device,netdev=n0"],
                                     testCase: self)
        _ = try lumen.qemu.waitForSerial("dhcp: 10.0.2.15", timeout: 20)
        XCTAssertTrue(try lumen.run("httpd 80").contains("httpd: serving"))
        let mark = lumen.qemu.serialOutput.endIndex
        _ = lumen.qemu.typeOnSerial("cp /source.bin /copy.bin && wget http://10.0.2.2:\(hostPort)/fetched.bin /fetched.bin && sync && echo all-done\r")
        let file = try HostNetwork.get(port: forward, path: "/served.bin", timeout: 120)
        XCTAssertEqual(file.status, 200)
        XCTAssertTrue(file.body == served, "httpd's file differs (\(file.body.count) bytes)")
        _ = try lumen.qemu.waitForSerial("all-done\r\n", after: mark, timeout: 180)
        lumen.qemu.kill()
        XCTAssertTrue(try image.get("copy.bin") == copied, "the copy differs")
        XCTAssertTrue(try image.get("fetched.bin") == fetched, "the downloaded file differs")
        XCTAssertTrue(try image.get("served.bin") == served)
        let check = try image.check()
        XCTAssertTrue(check.clean, check.report)
    }

    /// A virtio-rng whose backend never produces: `random` waits (and times
    /// out), but only it: meanwhile Alt+F2 shows another console. Ctrl-C ends
    /// such a wait at once, long before the timeout.
    func testAStalledRNGBlocksOnlyTheCommandReadingIt() throws {
        let fifo = NSTemporaryDirectory() + "lumen-rng-\(UUID().uuidString)"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = open(fifo, O_RDWR | O_NONBLOCK)  // a writer that never writes: reads find no data
        XCTAssertGreaterThanOrEqual(writer, 0)
        addTeardownBlock {
            close(writer)
            unlink(fifo)
        }
        let lumen = try LumenConsole(append: "lumen.console.blink=off", devices: Self.gpuAndKeyboard + [
            "-object", "rng-random,id=stalled,filename=\(fifo)", "-device", "virtio-rng-device,rng=stalled",
        ], testCase: self)
        let before = try lumen.settledScreen()
        let mark = lumen.qemu.serialOutput.endIndex
        _ = lumen.qemu.typeOnSerial("random 16\r")
        _ = try lumen.qemu.waitForSerial("random 16", after: mark, timeout: 5)
        try lumen.qemu.pressKey("f2", modifiers: ["alt"])
        let switched = try lumen.waitForScreen(timeout: 1.5) { $0.pixels != before.pixels }
        XCTAssertTrue(switched.pixels != before.pixels, "the console did not switch while random waited")
        XCTAssertFalse(lumen.qemu.serialOutput[mark...].contains("timed out"), "random had already given up")
        _ = try lumen.qemu.waitForSerial("virtio-rng: timed out", after: mark, timeout: 15)
        try lumen.qemu.pressKey("f1", modifiers: ["alt"])
        XCTAssertTrue(try lumen.run("echo still here").contains("still here"))

        let again = lumen.qemu.serialOutput.endIndex
        _ = lumen.qemu.typeOnSerial("random 16\r")
        _ = try lumen.qemu.waitForSerial("random 16", after: again, timeout: 5)
        Thread.sleep(forTimeInterval: 0.3)
        let interrupt = Date()
        _ = lumen.qemu.writeSerial([0x03])
        let interrupted = try lumen.qemu.waitForSerial("virtio-rng: interrupted", after: again, timeout: 1.5)
        _ = try lumen.qemu.waitForSerial("lumen> ", after: interrupted.endIndex, timeout: 1.5)
        XCTAssertLessThan(Date().timeIntervalSince(interrupt), 1.5, "Ctrl-C ended the wait, not the 2 s timeout")
        XCTAssertFalse(lumen.qemu.serialOutput[again...].contains("timed out"))
    }
}
