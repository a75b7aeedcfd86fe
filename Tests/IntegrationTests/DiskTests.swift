import Foundation
import TestSupport
import XCTest

/// The shell, the FAT file system and virtio-blk against images made and
/// checked on the host by mkfs.fat, mtools and fsck.fat.
final class DiskTests: XCTestCase {
    func makeImage(bits: Int = 32) throws -> FATImage {
        let image = try FATImage(bits: bits)
        addTeardownBlock { image.remove() }
        return image
    }

    func boot(_ image: FATImage, readOnly: Bool = false, modern: Bool = false, extra: [String] = []) throws -> LumenConsole {
        try LumenConsole(modern: modern, devices: image.drive(readOnly: readOnly) + extra, testCase: self)
    }

    /// Output lines of a command (the echoed command line itself dropped).
    func lines(_ output: String) -> [String] {
        output.replacingOccurrences(of: "\r", with: "").split(separator: "\n").dropFirst().map(String.init)
            .filter { !$0.contains("lumen> ") && !$0.hasPrefix("lumen:") }
    }

    func testListingMatchesMtools() throws {
        let image = try makeImage()
        try image.put("hello.txt", Data("hello from the host\n".utf8))
        try image.put("A rather long file name.text", Data("long\n".utf8))
        try image.put("Grüße.txt", Data("umlaut\n".utf8))
        try image.put("sub/inner file.txt", Data(repeating: 7, count: 5000))
        let lumen = try boot(image)
        XCTAssertTrue(lumen.bootLog.contains("vda: 64 MiB, FAT32 volume 'LUMENTEST'"), lumen.bootLog)
        let root = Set(lines(try lumen.run("ls /")).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
        let sub = Set(lines(try lumen.run("ls /sub")))
        // The shell itself keeps its history on the disk: mtools sees that file too.
        XCTAssertEqual(root, try image.names(in: "/"))
        XCTAssertEqual(sub, try image.names(in: "/sub"))
        XCTAssertTrue(try lumen.run("cat 'A rather long file name.text'").contains("long"))
        XCTAssertTrue(try lumen.run("cat /sub/inner\\ file.txt | hexdump").contains("00001380  07 07 07 07 07 07 07 07"))
    }

    /// Text and a 4 MiB binary written by Lumen read back byte for byte by
    /// mtools, and fsck.fat finds the volume clean; legacy and modern virtio-mmio.
    func checkWritesReadBackByMtools(modern: Bool) throws {
        let image = try makeImage()
        var binary = Data(count: 4 << 20)
        binary.withUnsafeMutableBytes { raw in
            var state: UInt32 = 12345
            for index in 0 ..< raw.count {
                state = state &* 1_103_515_245 &+ 12345
                raw[index] = UInt8(truncatingIfNeeded: state >> 16)
            }
        }
        try image.put("source.bin", binary)
        let lumen = try boot(image, modern: modern)
        _ = try lumen.run("echo first line > notes.txt && echo second line >> notes.txt")
        _ = try lumen.run("mkdir 'New Folder'")
        _ = try lumen.run("cp source.bin 'New Folder/copy of source.bin'", timeout: 60)
        _ = try lumen.run("mv notes.txt 'New Folder/notes.txt'")
        _ = try lumen.run("touch empty.txt")
        XCTAssertTrue(lines(try lumen.run("sync")).isEmpty)
        XCTAssertEqual(String(decoding: try image.get("New Folder/notes.txt"), as: UTF8.self), "first line\nsecond line\n")
        XCTAssertTrue(try image.get("New Folder/copy of source.bin") == binary, "the 4 MiB copy differs")
        XCTAssertEqual(try image.get("empty.txt").count, 0)
        XCTAssertFalse(try image.names(in: "/").contains("notes.txt"))
        let check = try image.check()
        XCTAssertTrue(check.clean, check.report)
        _ = try lumen.run("rm empty.txt 'New Folder/copy of source.bin'")
        _ = try lumen.run("sync")
        XCTAssertFalse(try image.names(in: "/").contains("empty.txt"))
        let after = try image.check()
        XCTAssertTrue(after.clean, after.report)
    }

    func testWritesReadBackByMtoolsLegacy() throws { try checkWritesReadBackByMtools(modern: false) }
    func testWritesReadBackByMtoolsModern() throws { try checkWritesReadBackByMtools(modern: true) }

    func testFAT16AndFAT12Volumes() throws {
        for bits in [16, 12] {
            let image = try FATImage(mebibytes: bits == 12 ? 8 : 64, bits: bits)
            defer { image.remove() }
            try image.put("readme.txt", Data("fat\(bits)\n".utf8))
            let lumen = try boot(image)
            XCTAssertTrue(try lumen.run("cat readme.txt").contains("fat\(bits)"))
            _ = try lumen.run("echo written on fat\(bits) > out.txt")
            _ = try lumen.run("sync")
            XCTAssertEqual(String(decoding: try image.get("out.txt"), as: UTF8.self), "written on fat\(bits)\n")
            let check = try image.check()
            XCTAssertTrue(check.clean, "FAT\(bits): " + check.report)
            lumen.qemu.kill()
        }
    }

    func testReadOnlyDriveRefusesWrites() throws {
        let image = try makeImage()
        try image.put("keep.txt", Data("kept\n".utf8))
        let lumen = try boot(image, readOnly: true)
        XCTAssertTrue(try lumen.run("lsblk").contains("ro"))
        XCTAssertTrue(try lumen.run("echo x > new.txt").contains("read-only"))
        XCTAssertTrue(try lumen.run("rm keep.txt").contains("read-only"))
        XCTAssertTrue(try lumen.run("mkdir d").contains("read-only"))
        XCTAssertTrue(try lumen.run("cat keep.txt").contains("kept"))
    }

    /// blkdebug fails reads of one file's first sector and every write: each
    /// gives one error line naming the sectors, the shell carries on, and the
    /// other files are intact.
    func testInjectedIOErrorsGiveErrorLines() throws {
        let image = try makeImage()
        try image.put("good.txt", Data("good data\n".utf8))
        try image.put("bad.txt", Data(repeating: 0x41, count: 8192))
        let sector = try image.firstSector(of: "bad.txt")
        let rules = image.directory.appendingPathComponent("blkdebug.conf")
        try """
        [inject-error]
        event = "read_aio"
        errno = "5"
        sector = "\(sector)"

        [inject-error]
        event = "write_aio"
        errno = "5"
        """.write(to: rules, atomically: true, encoding: .utf8)
        let lumen = try LumenConsole(devices: ["-drive", "if=none,id=d0,format=raw,file=blkdebug:\(rules.path):\(image.path)",
                                               "-device", "virtio-blk-device,drive=d0"], testCase: self)
        let bad = try lumen.run("cat bad.txt")
        XCTAssertTrue(bad.contains("cat: bad.txt: I/O error at sectors"), bad)
        XCTAssertTrue(try lumen.run("cat good.txt").contains("good data"))
        let write = try lumen.run("echo new > new.txt && sync")
        XCTAssertTrue(write.contains("I/O error"), write)
        XCTAssertTrue(try lumen.run("echo still here").contains("still here"))
        lumen.qemu.kill()
        XCTAssertEqual(String(decoding: try image.get("good.txt"), as: UTF8.self), "good data\n")
        XCTAssertTrue(try image.get("bad.txt") == Data(repeating: 0x41, count: 8192))
    }

    func testAutorunScriptRunsAtBoot() throws {
        let image = try makeImage()
        try image.put("autorun.sh", Data("# started by Lumen\necho autorun ran\necho made by autorun > proof.txt\nsync\n".utf8))
        let lumen = try boot(image)
        XCTAssertTrue(lumen.bootLog.contains("autorun: running /autorun.sh"), lumen.bootLog)
        XCTAssertTrue(lumen.bootLog.contains("autorun ran"), lumen.bootLog)
        XCTAssertEqual(String(decoding: try image.get("proof.txt"), as: UTF8.self), "made by autorun\n")
    }

    /// Files get their times from the PL031 real-time clock (QEMU starts it at
    /// the host's UTC time): `date` and mtools agree with the host's calendar.
    func testFileTimesComeFromTheRealTimeClock() throws {
        let image = try makeImage()
        let lumen = try boot(image)
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let today = formatter.string(from: Date())
        XCTAssertTrue(try lumen.run("date").contains(today))
        _ = try lumen.run("touch stamped.txt && sync")
        let listing = try FATImage.tool("mdir", ["-i", image.path, "::/stamped.txt"])
        XCTAssertTrue(listing.contains(today), listing)
    }

    /// The history survives a reboot: it is kept on the disk.
    func testHistoryIsKeptOnTheDisk() throws {
        let image = try makeImage()
        var lumen = try boot(image)
        _ = try lumen.run("echo remembered-command")
        lumen.qemu.kill()
        lumen = try boot(image)
        XCTAssertTrue(try lumen.run("history").contains("echo remembered-command"))
    }

    func testSecondDiskAppearsUnderItsName() throws {
        let first = try makeImage()
        let second = try FATImage(mebibytes: 16, bits: 16, label: "SECOND")
        addTeardownBlock { second.remove() }
        try second.put("on-second.txt", Data("second disk\n".utf8))
        let lumen = try LumenConsole(devices: first.drive() + second.drive(id: "d1"), testCase: self)
        XCTAssertTrue(lumen.bootLog.contains("vdb: 16 MiB, FAT16 volume 'SECOND'"), lumen.bootLog)
        XCTAssertTrue(try lumen.run("ls /").contains("vdb/"))
        XCTAssertTrue(try lumen.run("cat /vdb/on-second.txt").contains("second disk"))
        _ = try lumen.run("cp /vdb/on-second.txt /copied.txt && sync")
        XCTAssertEqual(String(decoding: try first.get("copied.txt"), as: UTF8.self), "second disk\n")
        let listing = try lumen.run("lsblk")
        XCTAssertTrue(listing.contains("vda") && listing.contains("vdb"), listing)
    }

    /// The boot mounts the disk with its interrupts answered: the boot used to
    /// run on the thread that runs interrupt bottom halves, so after the first
    /// completion the line stayed masked and every later request of the mount
    /// waited for the driver's 10 ms poll (120 ms to mount 64 MiB).
    func testTheBootsDiskRequestsCompleteByInterrupt() throws {
        let lumen = try boot(try makeImage())
        let listing = try lumen.run("lsblk")
        let counts = listing.split(whereSeparator: \.isNewline).first { $0.contains("device requests") } ?? ""
        XCTAssertTrue(counts.contains(" 0 completions found by polling"), listing)
        XCTAssertFalse(counts.contains(" 0 interrupts"), listing)
    }

    /// A disk whose boot sector is nonsense is reported and left alone; the
    /// shell works without it.
    func testCorruptImageIsReportedNotMounted() throws {
        let image = try makeImage()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image.path))
        try handle.seek(toOffset: 11)
        handle.write(Data([0x03, 0x00]))  // bytes per sector: 3
        try handle.close()
        let lumen = try boot(image)
        XCTAssertTrue(lumen.bootLog.contains("vda: 64 MiB, not mounted: file system corrupt: "), lumen.bootLog)
        XCTAssertTrue(try lumen.run("ls").contains("no disk with a FAT file system"))
        XCTAssertTrue(try lumen.run("echo fine").contains("fine"))
    }

    /// Filling the volume gives "no space" and leaves it consistent.
    func testFullDiskSaysNoSpaceAndStaysConsistent() throws {
        let image = try FATImage(mebibytes: 2, bits: 12)
        addTeardownBlock { image.remove() }
        try image.put("big.bin", Data(repeating: 0x5A, count: 1200 << 10))
        let lumen = try boot(image)
        let copy = try lumen.run("cp big.bin copy.bin")
        XCTAssertTrue(copy.contains("no space"), copy)
        XCTAssertTrue(try lumen.run("echo still fine").contains("still fine"))
        _ = try lumen.run("sync")
        let check = try image.check()
        XCTAssertTrue(check.clean, check.report)
        XCTAssertTrue(try image.get("big.bin") == Data(repeating: 0x5A, count: 1200 << 10))
    }

    /// Ctrl-C stops a long command and the prompt comes back.
    func testControlCInterruptsARunningCommand() throws {
        let image = try makeImage()
        try image.put("large.bin", Data(repeating: 0x11, count: 8 << 20))
        let lumen = try boot(image)
        let mark = lumen.qemu.serialOutput.endIndex
        _ = lumen.qemu.typeOnSerial("hexdump large.bin\r")
        // The serial mirror falls behind such a flood and drops the middle of
        // what it has not sent, never its start: the command line's echo, then
        // the first line of the dump, come out.
        let echo = try lumen.qemu.waitForSerial("hexdump large.bin", after: mark, timeout: 10)
        _ = try lumen.qemu.waitForSerial("00000000  11 11 11 11 11 11 11 11  11 11", after: echo.endIndex, timeout: 10)
        _ = lumen.qemu.writeSerial([0x03])
        let interrupted = try lumen.qemu.waitForSerial("^C", after: mark, timeout: 10)
        let prompt = try lumen.qemu.waitForSerial("lumen> ", after: interrupted.endIndex, timeout: 10)
        XCTAssertTrue(try lumen.run("echo after interrupt").contains("after interrupt"))
        // What the port missed is counted and said once it caught up.
        XCTAssertTrue(lumen.qemu.serialOutput[mark...].contains("[serial: the port fell behind; "),
                      String(prompt[mark...].suffix(300)))
    }

    /// Tab completes commands and paths from the disk.
    func testTabCompletesCommandsAndPaths() throws {
        let image = try makeImage()
        try image.put("unique-name.txt", Data("completed\n".utf8))
        let lumen = try boot(image)
        let mark = lumen.qemu.serialOutput.endIndex
        _ = lumen.qemu.typeOnSerial("hexd\tuniq\t\r")
        _ = try lumen.qemu.waitForSerial("|completed.|", after: mark, timeout: 10)
    }
}
