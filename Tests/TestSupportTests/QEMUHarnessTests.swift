import XCTest
import Foundation
@testable import TestSupport

/// End-to-end checks of the harness against the real qemu-system-aarch64, without the Lumen
/// kernel: a firmware-less virt machine either paused (-S) or running a 44-byte hand-assembled
/// program that prints a greeting on the PL011 and then echoes what it receives.
final class QEMUHarnessTests: XCTestCase {

    private func processExists(_ pid: Int32) -> Bool {
        // A zombie still has /proc/<pid>; a reaped process does not.
        FileManager.default.fileExists(atPath: "/proc/\(pid)")
    }

    /// The guest program (passed as a raw -kernel):
    ///
    ///      0: movz x1, #0x0900, lsl #16   // PL011 at 0x0900_0000
    ///      4: adr  x2, msg
    ///      8: ldrb w3, [x2], #1           // print msg
    ///     12: cbz  w3, 24
    ///     16: strb w3, [x1]
    ///     20: b    8
    ///     24: ldr  w4, [x1, #0x18]        // echo: wait while RX FIFO empty (FR.RXFE)
    ///     28: tbnz w4, #4, 24
    ///     32: ldr  w5, [x1]
    ///     36: strb w5, [x1]
    ///     40: b    24
    ///     44: msg: "hello from guest\n\0"
    static func echoProgram() -> Data {
        let words: [UInt32] = [0xD2A12001, 0x10000142, 0x38401443, 0x34000063, 0x39000023, 0x17FFFFFD,
                               0xB9401824, 0x3727FFE4, 0xB9400025, 0x39000025, 0x17FFFFFC]
        var data = Data()
        for w in words { withUnsafeBytes(of: w.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("hello from guest\n".utf8) + [0])
        return data
    }

    func testPausedMachineQMPScreendumpVNCAndKill() throws {
        var options = QEMUOptions(kernel: "")
        options.devices = ["-device", "virtio-gpu-device"]
        options.extraArguments = ["-S"]
        options.vnc = true
        let qemu = try QEMUInstance(options)
        defer { qemu.kill() }
        XCTAssertTrue(qemu.isRunning)
        XCTAssertTrue(qemu.commandLine.contains("-nodefaults"))
        XCTAssertTrue(qemu.commandLine.contains("unix:\(qemu.runtimeDirectory.path)/qmp.sock,server=on,wait=off"))
        XCTAssertLessThan(qemu.vncSocketPath.utf8.count, 108)

        let status = try qemu.qmp("query-status")
        XCTAssertEqual(status["status"] as? String, "prelaunch")
        XCTAssertEqual(status["running"] as? Bool, false)
        // A command whose result is an array gets wrapped.
        let cpus = try qemu.qmp("query-cpus-fast")
        XCTAssertEqual((cpus["return"] as? [Any])?.count, 1)
        // Errors come back as .qmp with QEMU's description.
        XCTAssertThrowsError(try qemu.qmp("no-such-command")) { error in
            guard case TestSupportError.qmp(let m)? = error as? TestSupportError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("CommandNotFound"), m)
        }
        // QEMU refuses input while the VM has never run.
        XCTAssertThrowsError(try qemu.sendKey("a", down: true))

        let screen = try qemu.screendump()
        XCTAssertGreaterThan(screen.width, 0)
        XCTAssertGreaterThan(screen.height, 0)
        XCTAssertEqual(screen.pixels.count, screen.width * screen.height)

        let vnc = try qemu.vnc()
        let size = vnc.framebufferSize
        XCTAssertGreaterThan(size.width, 0)
        XCTAssertGreaterThan(size.height, 0)
        XCTAssertEqual(size.width, screen.width)
        XCTAssertEqual(size.height, screen.height)
        XCTAssertTrue(vnc.serverName.hasPrefix("QEMU"), vnc.serverName)
        // QEMU reports the LED state as soon as the client announces the pseudo-encoding.
        let leds = try vnc.waitForLEDState(timeout: 5) { scroll, num, caps in !scroll && !num && !caps }
        XCTAssertFalse(leds.caps)
        XCTAssertNotNil(vnc.ledState)
        // virtio-gpu supports UI-info, so QEMU forwards a SetDesktopSize to the device (status 4).
        let resizeStatus = try vnc.requestDesktopSize(width: 800, height: 600)
        XCTAssertTrue([0, 4].contains(resizeStatus), "status \(resizeStatus)")
        let frame = try vnc.snapshot(timeout: 10)
        XCTAssertEqual(frame.width, size.width)
        XCTAssertEqual(frame.height, size.height)

        // Timeouts are bounded and carry diagnostics.
        let start = Date()
        XCTAssertThrowsError(try qemu.waitForSerial("never printed", timeout: 0.3)) { error in
            guard case TestSupportError.timeout(let m)? = error as? TestSupportError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("never printed"), m)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)

        let pid = qemu.processIdentifier
        let dir = qemu.runtimeDirectory.path
        XCTAssertTrue(processExists(pid))
        qemu.kill()
        XCTAssertFalse(qemu.isRunning)
        XCTAssertFalse(processExists(pid), "QEMU process \(pid) still exists (zombie?)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
        XCTAssertEqual(qemu.exitStatus, 128 + SIGKILL)
        XCTAssertFalse(vnc.isConnected)
        qemu.kill()  // idempotent
        XCTAssertThrowsError(try qemu.qmp("query-status"))
    }

    func testSerialRoundTripKeysAndQuit() throws {
        let dir = try TempDir.make(prefix: "lumen-test")
        defer { TempDir.remove(dir) }
        let program = dir.appendingPathComponent("echo.bin")
        try QEMUHarnessTests.echoProgram().write(to: program)

        // A raw (non-ELF, no Image header) -kernel is loaded at RAM+0x80000 and entered via
        // QEMU's boot stub; the program is position independent.
        var options = QEMUOptions(kernel: program.path)
        options.devices = ["-device", "virtio-keyboard-device"]
        let qemu = try QEMUInstance(options)
        defer { qemu.kill() }

        let greeting = try qemu.waitForSerial("hello from guest\n", timeout: 10)
        XCTAssertTrue(greeting.hasSuffix("hello from guest\n"))
        XCTAssertTrue(qemu.typeOnSerial("ping 42\n"))
        let upToPing = try qemu.waitForSerial("ping", after: greeting.endIndex, timeout: 5)
        XCTAssertTrue(upToPing.hasPrefix(greeting))
        // "hello" occurs only before `upToPing.endIndex`, so searching after it must time out.
        XCTAssertThrowsError(try qemu.waitForSerial("hello", after: upToPing.endIndex, timeout: 0.2))
        let groups = try qemu.waitForSerial(matching: "ping ([0-9]+)\\n", timeout: 5)
        XCTAssertEqual(groups, ["ping 42\n", "42"])
        XCTAssertTrue(qemu.serialOutput.hasSuffix("ping 42\n"))

        // The VM runs, so input events are accepted.
        try qemu.typeKeys("Hi!\n")
        try qemu.sendKey("caps_lock", down: true)
        try qemu.sendKey("caps_lock", down: false)
        XCTAssertEqual(try qemu.qmp("query-status")["status"] as? String, "running")

        _ = try qemu.qmp("stop")
        let stopEvent = try qemu.waitForQMPEvent("STOP", timeout: 5)
        XCTAssertNotNil(stopEvent["timestamp"])
        XCTAssertEqual(try qemu.qmp("query-status")["status"] as? String, "paused")
        _ = try qemu.qmp("cont")

        // `quit` emits SHUTDOWN before its reply; QEMU then exits with status 0.
        _ = try qemu.qmpValue("quit")
        XCTAssertEqual(try qemu.waitForExit(timeout: 10), 0)
        XCTAssertTrue(qemu.qmpEvents.contains { ($0["event"] as? String) == "SHUTDOWN" }, "\(qemu.qmpEvents)")
        XCTAssertFalse(qemu.isRunning)
        XCTAssertThrowsError(try qemu.waitForSerial("never", timeout: 5)) { error in
            guard case TestSupportError.exited? = error as? TestSupportError else { return XCTFail("\(error)") }
        }
    }

    func testDeinitKillsQEMU() throws {
        var pid: Int32 = 0
        do {
            var options = QEMUOptions(kernel: "")
            options.extraArguments = ["-S"]
            let qemu = try QEMUInstance(options)
            pid = qemu.processIdentifier
            XCTAssertTrue(processExists(pid))
        }
        XCTAssertGreaterThan(pid, 0)
        XCTAssertFalse(processExists(pid))
    }

    func testLaunchFailureReportsStderr() {
        var options = QEMUOptions(kernel: "")
        options.devices = ["-device", "no-such-device-xyz"]
        XCTAssertThrowsError(try QEMUInstance(options)) { error in
            guard case TestSupportError.launch(let m)? = error as? TestSupportError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("no-such-device-xyz"), m)
        }
        XCTAssertThrowsError(try QEMUInstance(QEMUOptions(kernel: "/nonexistent/lumen.elf")))
    }

    func testDeviceTreeDump() throws {
        let dtb = try DeviceTreeDump.dump(memoryMiB: 128)
        XCTAssertEqual(Array(dtb.prefix(4)), [0xd0, 0x0d, 0xfe, 0xed])
        // totalsize (big-endian at offset 4) matches the blob.
        let total = dtb.prefix(8).suffix(4).reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(total, dtb.count)

        // -append needs -kernel; any file will do, QEMU only loads it.
        let dir = try TempDir.make(prefix: "lumen-test")
        defer { TempDir.remove(dir) }
        let kernel = dir.appendingPathComponent("k.bin")
        try QEMUHarnessTests.echoProgram().write(to: kernel)
        var options = QEMUOptions(kernel: kernel.path)
        options.append = "lumen.test=dtb-marker"
        let withBootargs = try DeviceTreeDump.dump(options)
        XCTAssertNotNil(withBootargs.range(of: Data("lumen.test=dtb-marker".utf8)))
    }
}
