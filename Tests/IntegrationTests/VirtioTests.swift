import Foundation
import TestSupport
import XCTest

/// The VirtIO core and virtio-rng against QEMU's devices, in both virtio-mmio modes.
/// (Linux XCTest discovers only methods declared in a class itself, so each mode's
/// class lists its tests and the checks live in this shared base.)
class VirtioChecks: XCTestCase {
    var modern: Bool { false }
    var mode: String { modern ? "modern" : "legacy" }

    /// Two disks, keyboard + mouse + tablet, rng, net, gpu.
    static func fullDeviceSet(disk: String) -> [String] {
        [
            "-device", "virtio-rng-device",
            "-drive", "if=none,id=d0,format=raw,file=\(disk),readonly=on", "-device", "virtio-blk-device,drive=d0",
            "-drive", "if=none,id=d1,format=raw,file=\(disk),readonly=on", "-device", "virtio-blk-device,drive=d1",
            "-device", "virtio-keyboard-device", "-device", "virtio-mouse-device", "-device", "virtio-tablet-device",
            "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
            "-device", "virtio-gpu-device",
        ]
    }

    func temporaryDisk() throws -> String {
        let path = NSTemporaryDirectory() + "lumen-disk-\(UUID().uuidString).img"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(count: 1 << 20)))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Rows of the `devices` table: slot → (mode, type, driver).
    func deviceRows(_ output: String) -> [Int: (mode: String, type: String, driver: String)] {
        var rows: [Int: (String, String, String)] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ")
            guard words.count >= 6, let slot = Int(words[0]), words[1].hasPrefix("0x0a") else { continue }
            rows[slot] = (String(words[3]), String(words[4]), String(words[5]))
        }
        return rows
    }

    func checkDeviceTableMatchesTheQEMUCommandLine() throws {
        let lumen = try LumenConsole(modern: modern, devices: Self.fullDeviceSet(disk: try temporaryDisk()), testCase: self)
        let rows = deviceRows(try lumen.run("devices"))
        // QEMU fills the slots from the top, in command-line order.
        let expected = ["entropy", "block", "block", "input", "input", "input", "network", "gpu"]
        XCTAssertEqual(rows.count, expected.count, "\(rows)")
        for (offset, type) in expected.enumerated() {
            let slot = 31 - offset
            XCTAssertEqual(rows[slot]?.type, type, "slot \(slot)")
            XCTAssertEqual(rows[slot]?.mode, mode, "slot \(slot)")
        }
        XCTAssertEqual(rows[31]?.driver, "rng")
        // The boot log shows the same table, with the negotiated features in words.
        XCTAssertTrue(lumen.bootLog.contains("virtio devices (8):"), lumen.bootLog)
        XCTAssertTrue(lumen.bootLog.contains("INDIRECT_DESC EVENT_IDX"), lumen.bootLog)
        if modern { XCTAssertTrue(lumen.bootLog.contains("VERSION_1"), lumen.bootLog) }
    }

    func randomHex(_ lumen: LumenConsole, _ count: Int) throws -> String {
        let output = try lumen.run("random \(count)")
        let hex = output.split(whereSeparator: \.isNewline)
            .filter { $0.allSatisfy(\.isHexDigit) && !$0.isEmpty }
            .joined()
        XCTAssertEqual(hex.count, count * 2, output)
        return hex
    }

    func checkRandomBytesDifferBetweenReadsAndBoots() throws {
        let first = try LumenConsole(modern: modern, devices: ["-device", "virtio-rng-device"], testCase: self)
        let a = try randomHex(first, 32)
        let b = try randomHex(first, 32)
        XCTAssertNotEqual(a, b)
        first.qemu.kill()
        let second = try LumenConsole(modern: modern, devices: ["-device", "virtio-rng-device"], testCase: self)
        let c = try randomHex(second, 32)
        XCTAssertNotEqual(a, c)
        XCTAssertNotEqual(b, c)
    }

    /// Two 1 MiB reads written to the disk: each file is 1 MiB long, the two
    /// differ, and each looks random (every byte value about equally often,
    /// which a stuck device, a zeroed buffer or a half-filled one would not).
    func checkOneMebibyteFromVirtioRNG() throws {
        let image = try FATImage(mebibytes: 16, bits: 16)
        addTeardownBlock { image.remove() }
        let lumen = try LumenConsole(modern: modern,
                                     devices: ["-device", "virtio-rng-device"] + image.drive(), testCase: self)
        for name in ["r1.bin", "r2.bin"] {
            let output = try lumen.run("random 1048576 /\(name)", timeout: 30)
            XCTAssertTrue(output.contains("random: 1048576 bytes in"), output)
            XCTAssertTrue(output.contains("random: wrote 1048576 bytes to /\(name)"), output)
        }
        _ = try lumen.run("sync")
        lumen.qemu.kill()
        let first = try image.get("r1.bin"), second = try image.get("r2.bin")
        XCTAssertEqual(first.count, 1 << 20)
        XCTAssertEqual(second.count, 1 << 20)
        XCTAssertNotEqual(first, second)
        for data in [first, second] {
            var counts = [Int](repeating: 0, count: 256)
            for byte in data { counts[Int(byte)] += 1 }
            // Expected 4096 each, standard deviation 64: ±10 σ.
            XCTAssertTrue(counts.allSatisfy { (3456 ... 4736).contains($0) }, "\(counts.min()!)…\(counts.max()!)")
        }
    }

    func checkStalledRNGTimesOutAndConsoleStaysResponsive() throws {
        let fifo = NSTemporaryDirectory() + "lumen-rng-\(UUID().uuidString)"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Hold a writer open that never writes, so QEMU's reads find no data (not EOF).
        let writer = open(fifo, O_RDWR | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(writer, 0)
        addTeardownBlock {
            close(writer)
            unlink(fifo)
        }
        let lumen = try LumenConsole(modern: modern, devices: [
            "-object", "rng-random,id=stalled,filename=\(fifo)", "-device", "virtio-rng-device,rng=stalled",
        ], testCase: self)
        let started = Date()
        let output = try lumen.run("random 16", timeout: 15)
        XCTAssertTrue(output.contains("virtio-rng: timed out after 2000 ms"), output)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        // Still responsive afterwards.
        XCTAssertTrue(try lumen.run("help").contains("Commands:"))
        // The boot did not hang on seeding either: it said it fell back to the timer's jitter.
        XCTAssertTrue(lumen.bootLog.contains("entropy: virtio-rng: timed out"), lumen.bootLog)
        XCTAssertTrue(lumen.bootLog.contains("entropy: warning: seeded from timer jitter only"), lumen.bootLog)
    }
}

final class VirtioLegacyTests: VirtioChecks {
    override var modern: Bool { false }
    func testDeviceTableMatchesTheQEMUCommandLine() throws { try checkDeviceTableMatchesTheQEMUCommandLine() }
    func testRandomBytesDifferBetweenReadsAndBoots() throws { try checkRandomBytesDifferBetweenReadsAndBoots() }
    func testOneMebibyteFromVirtioRNG() throws { try checkOneMebibyteFromVirtioRNG() }
    func testStalledRNGTimesOutAndConsoleStaysResponsive() throws { try checkStalledRNGTimesOutAndConsoleStaysResponsive() }
}

final class VirtioModernTests: VirtioChecks {
    override var modern: Bool { true }
    func testDeviceTableMatchesTheQEMUCommandLine() throws { try checkDeviceTableMatchesTheQEMUCommandLine() }
    func testRandomBytesDifferBetweenReadsAndBoots() throws { try checkRandomBytesDifferBetweenReadsAndBoots() }
    func testOneMebibyteFromVirtioRNG() throws { try checkOneMebibyteFromVirtioRNG() }
    func testStalledRNGTimesOutAndConsoleStaysResponsive() throws { try checkStalledRNGTimesOutAndConsoleStaysResponsive() }
}
