import XCTest
@testable import Storage

/// The judges nobody here wrote: images made by mkfs.fat, changed by Lumen, must
/// be clean for `fsck.fat -n` and read back byte-identical by mtools; and files
/// mtools writes must read back identically in Lumen.
final class FATInteropTests: XCTestCase {
    func testFAT12ImageChangedByLumenIsCleanAndReadableByMtools() throws {
        try lumenWritesMtoolsReads(kind: .fat12, kibibytes: 1440, ["-F", "12"], bigFile: 200_000)
    }

    func testFAT16ImageChangedByLumenIsCleanAndReadableByMtools() throws {
        try lumenWritesMtoolsReads(kind: .fat16, kibibytes: 8 * 1024, ["-F", "16", "-s", "1"], bigFile: 1_500_000)
    }

    func testFAT32ImageChangedByLumenIsCleanAndReadableByMtools() throws {
        // -s 1 on 34 MiB: over 65525 clusters, a FAT32 by every rule.
        try lumenWritesMtoolsReads(kind: .fat32, kibibytes: 34 * 1024, ["-F", "32", "-s", "1"], bigFile: 3_000_000)
    }

    func testFAT16WithFourKilobyteSectorsIsCleanAfterLumen() throws {
        try lumenWritesMtoolsReads(kind: .fat16, kibibytes: 20 * 1024, ["-F", "16", "-S", "4096", "-s", "1"], bigFile: 700_000)
    }

    func testFilesWrittenByMtoolsReadBackInLumen() throws {
        try HostTools.require()
        for (kind, kib, args) in [(FATKind.fat12, 1440, ["-F", "12"]), (.fat16, 8192, ["-F", "16", "-s", "1"]), (.fat32, 34 * 1024, ["-F", "32", "-s", "1"])] {
            let tools = try HostTools()
            let image = try tools.makeImage("m.img", kibibytes: kib, args + ["-n", "MTOOLSVOL"])
            try tools.mmd(image, "/Photos")
            try tools.mmd(image, "/Photos/Summer Holidays 2023")
            var expected: [String: [UInt8]] = [:]
            expected["/Photos/Summer Holidays 2023/Beach at sunset (1).jpg"] = pattern(150_000, seed: 11)
            expected["/Photos/Grüße aus Köln.txt"] = Array("Schöne Grüße!\n".utf8)
            expected["/README.TXT"] = Array("plain 8.3 name\n".utf8)
            expected["/lower.txt"] = Array("lower case 8.3\n".utf8)
            expected["/A very long file name that needs several LFN entries to store.data"] = pattern(5000, seed: 12)
            expected["/empty.txt"] = []
            for (path, bytes) in expected.sorted(by: { $0.key < $1.key }) { try tools.mcopy(bytes, into: image, as: path) }

            let disk = RAMDisk(image: try tools.load(image))
            let volume = try FATVolume.mount(device: disk, clock: testClock)
            XCTAssertEqual(volume.kind, kind)
            XCTAssertEqual(volume.label, "MTOOLSVOL")
            for (path, bytes) in expected {
                let back = try volume.readFile(path)
                XCTAssertTrue(back == bytes, "\(kind.name) \(path): contents differ (\(back.count) vs \(bytes.count) bytes)")
                XCTAssertEqual(try volume.info(path).size, UInt64(bytes.count))
            }
            XCTAssertEqual(names(try volume.list("/")), ["A very long file name that needs several LFN entries to store.data",
                                                         "Photos", "README.TXT", "empty.txt", "lower.txt"])
            XCTAssertEqual(names(try volume.list("/Photos")), ["Grüße aus Köln.txt", "Summer Holidays 2023"])
            XCTAssertEqual(try volume.readFile("/photos/SUMMER holidays 2023/beach AT sunset (1).JPG").count, 150_000,
                           "lookups ignore case")
            // Free space agrees with what mtools left: fsck's count of used clusters.
            let report = try tools.fsck(image)
            XCTAssertTrue(report.clean, report.output)
        }
    }

    func testImagesFormattedByLumenAreCleanAndUsableByMtools() throws {
        try HostTools.require()
        for (kind, sectors) in [(FATKind.fat12, 2880), (.fat16, 32_768), (.fat32, 70_000), (.fat32, 600_000)] {
            let tools = try HostTools()
            let disk = RAMDisk(sectorCount: sectors)
            try FATFormatter.format(disk, options: FATFormatOptions(kind: kind, label: "Lumen Disk"), clock: testClock)
            let image = tools.url("f.img")
            try tools.save(disk.bytes, image)
            var report = try tools.fsck(image)
            XCTAssertTrue(report.clean, "\(kind.name) \(sectors): " + report.output)
            try tools.mcopy(pattern(70_000, seed: 5), into: image, as: "/From mtools.bin")
            let volume = try FATVolume.mount(device: RAMDisk(image: try tools.load(image)), clock: testClock)
            XCTAssertEqual(volume.kind, kind)
            XCTAssertEqual(volume.label, "LUMEN DISK")
            XCTAssertTrue(try volume.readFile("/from MTOOLS.bin") == pattern(70_000, seed: 5), "\(kind.name): mtools file")
            try volume.writeFile("/From Lumen.bin", pattern(33_333, seed: 6))
            try volume.sync()
            try tools.save(volume.device.bytes, image)
            report = try tools.fsck(image)
            XCTAssertTrue(report.clean, "\(kind.name) \(sectors) after writing: " + report.output)
            XCTAssertTrue(try tools.readWithMtools(image, "/From Lumen.bin") == pattern(33_333, seed: 6), "\(kind.name): mtools reads Lumen's file")
        }
    }

    // MARK: The scenario

    /// Creates, grows, shrinks, renames, moves and deletes files and directories
    /// with Lumen on a mkfs.fat image, then asks fsck.fat and mtools.
    func lumenWritesMtoolsReads(kind: FATKind, kibibytes: Int, _ mkfsArguments: [String], bigFile: Int,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        try HostTools.require()
        let tools = try HostTools()
        let image = try tools.makeImage("v.img", kibibytes: kibibytes, mkfsArguments + ["-n", "TESTVOL"])
        let disk = RAMDisk(image: try tools.load(image))
        let volume = try FATVolume.mount(device: disk, clock: testClock)
        XCTAssertEqual(volume.kind, kind, file: file, line: line)
        XCTAssertEqual(volume.label, "TESTVOL", file: file, line: line)
        let freeAtStart = volume.freeBytes
        var expected: [String: [UInt8]] = [:]

        try volume.writeFile("/README.TXT", Array("first version\n".utf8))
        try volume.writeFile("/readme.txt", Array("second version, same file (FAT ignores case)\n".utf8))
        expected["/README.TXT"] = Array("second version, same file (FAT ignores case)\n".utf8)
        try volume.writeFile("/lower.txt", Array("a short name with the lower-case flag\n".utf8))
        expected["/lower.txt"] = Array("a short name with the lower-case flag\n".utf8)
        try volume.writeFile("/Grüße aus Köln.txt", pattern(3000, seed: 2))
        try volume.truncate("/Grüße aus Köln.txt", size: 1000)
        expected["/Grüße aus Köln.txt"] = Array(pattern(3000, seed: 2)[0 ..< 1000])

        try volume.makeDirectory("/Documents")
        try volume.makeDirectory("/Documents/Deeply Nested Folder")
        try volume.writeFile("/Documents/Deeply Nested Folder/big.bin", pattern(bigFile, seed: 3))
        expected["/Documents/Deeply Nested Folder/big.bin"] = pattern(bigFile, seed: 3)
        try volume.writeFile("/Documents/notes.md", Array("# Notes\n".utf8))
        try volume.append("/Documents/notes.md", pattern(1500, seed: 4))
        expected["/Documents/notes.md"] = Array("# Notes\n".utf8) + pattern(1500, seed: 4)
        for index in 0 ..< 40 {
            let bytes = pattern(100 + index * 37, seed: 100 + index)
            try volume.writeFile("/Documents/file number \(index).txt", bytes)
            expected["/Documents/file number \(index).txt"] = bytes
        }
        for index in [5, 6, 20] {
            try volume.remove("/Documents/file number \(index).txt")
            expected["/Documents/file number \(index).txt"] = nil
        }
        try volume.rename("/Documents/file number 7.txt", "/Moved Here.txt")
        expected["/Moved Here.txt"] = expected.removeValue(forKey: "/Documents/file number 7.txt")
        try volume.makeDirectory("/old dir")
        try volume.writeFile("/old dir/inner.txt", Array("inside a moved directory\n".utf8))
        try volume.rename("/old dir", "/Documents/new dir")
        expected["/Documents/new dir/inner.txt"] = Array("inside a moved directory\n".utf8)
        try volume.rename("/lower.txt", "/LOWER.TXT")   // case-only rename in place

        var sparse = [UInt8](repeating: 0, count: 5003)
        sparse[5000] = 1; sparse[5001] = 2; sparse[5002] = 3
        try [UInt8]([1, 2, 3]).withUnsafeBytes { try volume.write("/sparse.bin", offset: 5000, from: $0) }
        expected["/sparse.bin"] = sparse
        try volume.writeFile("/grown.bin", [9, 9])
        try volume.truncate("/grown.bin", size: 4097)
        expected["/grown.bin"] = [9, 9] + [UInt8](repeating: 0, count: 4095)
        try volume.createFile("/touched.txt")
        expected["/touched.txt"] = []
        try volume.makeDirectory("/empty")
        try volume.removeDirectory("/empty")
        try volume.sync()

        try tools.save(disk.bytes, image)
        let report = try tools.fsck(image)
        XCTAssertTrue(report.clean, "fsck.fat -n: " + report.output, file: file, line: line)
        for (path, bytes) in expected {
            let back = try tools.readWithMtools(image, path)
            XCTAssertNotNil(back, "mtools cannot find \(path)", file: file, line: line)
            XCTAssertTrue(back == bytes, "\(path): mtools reads \(back?.count ?? -1) bytes, expected \(bytes.count)", file: file, line: line)
        }
        let documents = try tools.mdirBare(image, "/Documents")
        for name in ["file number 10.txt", "new dir", "Deeply Nested Folder", "notes.md"] {
            XCTAssertTrue(documents.contains { $0.hasSuffix("/" + name) || $0.hasSuffix("/" + name + "/") }, "mdir lacks \(name): \(documents)", file: file, line: line)
        }
        XCTAssertFalse(documents.contains { $0.hasSuffix("/file number 5.txt") }, "removed file still listed", file: file, line: line)
        let root = try tools.mdirBare(image, "/")
        XCTAssertTrue(root.contains { $0.hasSuffix("/LOWER.TXT") }, "case-only rename: \(root)", file: file, line: line)
        XCTAssertFalse(root.contains { $0.hasSuffix("/empty/") }, file: file, line: line)

        // And Lumen agrees with itself after a remount (FSInfo/free count included).
        let again = try FATVolume.mount(device: RAMDisk(image: disk.bytes), clock: testClock)
        XCTAssertEqual(again.freeBytes, volume.freeBytes, file: file, line: line)
        XCTAssertLessThan(volume.freeBytes, freeAtStart, file: file, line: line)
        XCTAssertTrue(try again.readFile("/Documents/Deeply Nested Folder/big.bin") == pattern(bigFile, seed: 3),
                      file: file, line: line)
        XCTAssertEqual(names(try again.list("/Documents/new dir")), ["inner.txt"], file: file, line: line)
    }
}
