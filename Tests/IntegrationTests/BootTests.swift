import Foundation
import TestSupport
import XCTest

/// Boots the real kernel in qemu-system-aarch64 and checks what a person at the
/// serial console would see.
final class BootTests: XCTestCase {
    func boot(memoryMiB: Int = 256, append: String? = nil, modern: Bool = false) throws -> QEMUInstance {
        try LumenConsole(memoryMiB: memoryMiB, append: append, modern: modern, testCase: self).qemu
    }

    func run(_ qemu: QEMUInstance, _ command: String) throws -> String {
        let mark = qemu.serialOutput.endIndex
        qemu.typeOnSerial(command + "\r")
        let output = try qemu.waitForSerial("lumen> ", after: mark, timeout: 10)
        return String(output[mark...])
    }

    func testReportsRAMSizeFromDeviceTree256MiB() throws {
        let qemu = try boot(memoryMiB: 256)
        XCTAssertTrue(qemu.serialOutput.contains("RAM: 256 MiB at 0x40000000"), qemu.serialOutput)
        XCTAssertTrue(try run(qemu, "mem").contains("RAM:          256 MiB"))
    }

    /// `mem` says what new work cannot have ("not free"), the figure the bench
    /// compares with Linux's RAM less MemAvailable: at least what is in use
    /// (the heap grows into the pages' region, so its part of the free pages is
    /// not free), and less than the RAM.
    func testMemSaysWhatIsNotFree() throws {
        let qemu = try boot(memoryMiB: 256)
        let mem = try run(qemu, "mem")
        func bytes(_ label: String) -> Int? {
            guard let line = mem.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix(label) }) else { return nil }
            return line.split(separator: " ").compactMap { Int($0) }.first
        }
        let inUse = try XCTUnwrap(bytes("in use:"), mem)
        let notFree = try XCTUnwrap(bytes("not free:"), mem)
        XCTAssertGreaterThanOrEqual(notFree, inUse, mem)
        XCTAssertLessThan(notFree, 256 << 20, mem)
        XCTAssertGreaterThan(notFree, 2 << 20, mem)
    }

    func testReportsRAMSizeFromDeviceTree1GiB() throws {
        let qemu = try boot(memoryMiB: 1024)
        XCTAssertTrue(qemu.serialOutput.contains("RAM: 1 GiB at 0x40000000"), qemu.serialOutput)
        let mem = try run(qemu, "mem")
        XCTAssertTrue(mem.contains("RAM:          1 GiB"), mem)
        // The page allocator manages what the DTB reports (1 GiB less the image), not a built-in size.
        let managed = try NSRegularExpression(pattern: #"free of (10[0-2][0-9])(\.[0-9])? MiB"#)
        XCTAssertNotNil(managed.firstMatch(in: mem, range: NSRange(mem.startIndex..., in: mem)), mem)
    }

    func testBannerShowsVersionCommandLineAndFreeType() throws {
        let qemu = try boot(append: "lumen.hello=world quiet")
        let log = qemu.serialOutput
        XCTAssertTrue(log.contains("Lumen 0.1.0 (Embedded Swift, aarch64) on QEMU virt"), log)
        XCTAssertTrue(log.contains("command line: lumen.hello=world quiet"), log)
        XCTAssertTrue(log.contains("FreeType 2.12.1: DejaVu Sans Mono Book"), log)
    }

    func testHelpAnswersOnSerial() throws {
        let qemu = try boot()
        let help = try run(qemu, "help")
        for command in ["help", "mem", "uptime", "poweroff"] {
            XCTAssertTrue(help.contains("  \(command) "), "help lacks \(command): \(help)")
        }
        XCTAssertTrue(try run(qemu, "frobnicate").contains("frobnicate: command not found"))
    }

    func testLineEditingBackspaceAndCtrlC() throws {
        let qemu = try boot()
        // "helq", Backspace, "p": the line is "help".
        XCTAssertTrue(try run(qemu, "helq\u{7f}p").contains("Commands:"))
        // Ctrl-C abandons the line.
        let mark = qemu.serialOutput.endIndex
        qemu.typeOnSerial("poweroff\u{3}")
        let after = try qemu.waitForSerial("^C", after: mark, timeout: 5)
        XCTAssertTrue(qemu.isRunning, after)
    }

    /// Regression: the UART's receive interrupt was cleared after draining the FIFO,
    /// so a byte arriving in between lost its interrupt and input stalled for good.
    func testSerialInputSurvivesBursts() throws {
        let qemu = try boot()
        var generator = SystemRandomNumberGenerator()
        let rounds = 60
        for round in 0..<rounds {
            let bytes = Array("version\r".utf8)
            var index = 0
            while index < bytes.count {
                let chunk = min(bytes.count - index, Int.random(in: 1...4, using: &generator))
                qemu.writeSerial(Array(bytes[index..<(index + chunk)]))
                index += chunk
                if round % 3 == 0 { usleep(UInt32.random(in: 0...300, using: &generator)) }
            }
        }
        let deadline = Date().addingTimeInterval(20)
        var answered = 0
        while Date() < deadline {
            answered = qemu.serialOutput.components(separatedBy: "FreeType 2.12.1\n").count - 1
                + qemu.serialOutput.components(separatedBy: "FreeType 2.12.1\r\n").count - 1
            if answered >= rounds { break }
            usleep(50_000)
        }
        XCTAssertEqual(answered, rounds, "serial input stalled: \(qemu.serialOutput.suffix(400))")
    }

    /// The clock advances while idle, but the timer does not tick: with nothing
    /// due (no display, no network) the comparator is off. A `sleep` blocks the
    /// shell's thread and the timer's interrupt wakes it.
    func testUptimeAdvancesTicklessAndSleepWakesOnTheTimer() throws {
        let qemu = try boot()
        let first = try parseUptime(try run(qemu, "uptime"))
        Thread.sleep(forTimeInterval: 2.5)
        let second = try parseUptime(try run(qemu, "uptime"))
        XCTAssertGreaterThan(second.seconds - first.seconds, 2.0)
        XCTAssertLessThan(second.seconds - first.seconds, 10.0)
        XCTAssertLessThanOrEqual(second.interrupts - first.interrupts, 1, "the timer ticked while nothing was due")
        let output = try run(qemu, "sleep 1.5; uptime")
        let third = try parseUptime(output)
        XCTAssertGreaterThanOrEqual(third.seconds - second.seconds, 1.5, output)
        XCTAssertGreaterThanOrEqual(third.interrupts - second.interrupts, 1, "sleep woke without the timer")
        XCTAssertTrue(try run(qemu, "sleep x").contains("usage: sleep SECONDS"))
    }

    func testPoweroffExitsQEMUWithStatusZero() throws {
        let qemu = try boot()
        qemu.typeOnSerial("poweroff\r")
        XCTAssertEqual(try qemu.waitForExit(timeout: 10), 0)
        XCTAssertTrue(qemu.serialOutput.contains("Powering off."))
    }

    func testDataAbortPrintsFaultReport() throws {
        var options = QEMUOptions(kernel: try LumenBuild.kernelPath())
        options.append = "lumen.test=fault"
        let qemu = try QEMUInstance(options)
        defer { qemu.kill() }
        let report = try qemu.waitForSerial("System halted.", timeout: 20)
        XCTAssertTrue(report.contains("*** kernel fault: data abort ***"), report)
        XCTAssertTrue(report.contains("translation fault"), report)
        XCTAssertTrue(report.contains("on a read"), report)
        XCTAssertTrue(report.contains("address (FAR): 0x00000dead0000000"), report)
        XCTAssertTrue(report.contains("ELR (pc): 0x00000000402"), report)
        XCTAssertTrue(report.contains("x29 0x"), report)
        XCTAssertTrue(report.contains("backtrace (frame pointers):\n    #0 0x") || report.contains("backtrace (frame pointers):\r\n    #0 0x"), report)
        XCTAssertFalse(report.contains("lumen> "), "the prompt must not appear after a fault")
    }

    func testEnteredAtEL2DropsToEL1() throws {
        var options = QEMUOptions(kernel: try LumenBuild.kernelPath())
        options.machine = "virt,virtualization=on"
        let qemu = try QEMUInstance(options)
        defer { qemu.kill() }
        let log = try qemu.waitForSerial("lumen> ", timeout: 20)
        XCTAssertTrue(log.contains("entered at EL2, running at EL1"), log)
        XCTAssertTrue(try run(qemu, "uptime").contains("timer interrupts"))
    }

    func testSecondaryCoresStayParked() throws {
        var options = QEMUOptions(kernel: try LumenBuild.kernelPath())
        options.extraArguments = ["-smp", "4"]
        let qemu = try QEMUInstance(options)
        defer { qemu.kill() }
        let log = try qemu.waitForSerial("lumen> ", timeout: 20)
        XCTAssertTrue(log.contains("CPU: core 0 of 4, entered at EL1"), log)
        // One banner only: the other cores did not run the boot path.
        XCTAssertEqual(log.components(separatedBy: "Lumen 0.1.0 (").count, 2, log)
        XCTAssertTrue(try run(qemu, "help").contains("Commands:"))
    }

    /// With `force-legacy=false` every device speaks the modern interface and
    /// every driver negotiates VERSION_1 (a driver that fell back to the legacy
    /// layout, or failed, would show another mode or no features).
    func testBootsInModernVirtioMMIOMode() throws {
        let disk = NSTemporaryDirectory() + "lumen-modern-\(UUID().uuidString).img"
        XCTAssertTrue(FileManager.default.createFile(atPath: disk, contents: Data(count: 1 << 20)))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: disk) }
        let lumen = try LumenConsole(modern: true, devices: [
            "-device", "virtio-rng-device",
            "-drive", "if=none,id=d0,format=raw,file=\(disk)", "-device", "virtio-blk-device,drive=d0",
            "-device", "virtio-keyboard-device", "-device", "virtio-tablet-device",
            "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
            "-device", "virtio-gpu-device",
        ], testCase: self)
        let table = try lumen.run("devices")
        let rows = table.split(whereSeparator: \.isNewline).filter { $0.contains(" 0x0a") }
        XCTAssertEqual(rows.count, 6, table)
        for row in rows {
            let words = row.split(separator: " ")
            XCTAssertEqual(words.count > 3 ? String(words[3]) : "", "modern", String(row))
            XCTAssertTrue(words.contains("VERSION_1"), String(row))
            XCTAssertFalse(row.contains("not initialised"), String(row))
        }
        for driver in ["rng", "blk", "input", "net", "gpu"] {
            XCTAssertTrue(rows.contains { $0.split(separator: " ").dropFirst(5).first.map(String.init) == driver }, table)
        }
        XCTAssertTrue(lumen.bootLog.contains("32 virtio-mmio slots"), lumen.bootLog)
    }

    private func parseUptime(_ text: String) throws -> (seconds: Double, interrupts: Int) {
        let pattern = try NSRegularExpression(pattern: #"up ([0-9]+\.[0-9]+) s, ([0-9]+) timer interrupts"#)
        let range = NSRange(text.startIndex..., in: text)
        guard let match = pattern.firstMatch(in: text, range: range),
              let seconds = Range(match.range(at: 1), in: text).flatMap({ Double(text[$0]) }),
              let interrupts = Range(match.range(at: 2), in: text).flatMap({ Int(text[$0]) })
        else { throw UnexpectedOutput(text: text) }
        return (seconds, interrupts)
    }
}

struct UnexpectedOutput: Error, CustomStringConvertible {
    let text: String
    var description: String { "unexpected serial output: \(text)" }
}
