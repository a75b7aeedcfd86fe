import XCTest
@testable import Storage

final class FATMountTests: XCTestCase {
    func testFormattedVolumesMountWithTheirGeometry() throws {
        for (kind, sectors) in [(FATKind.fat12, 2880), (.fat16, 32_768), (.fat32, 70_000)] {
            let (_, volume) = try makeVolume(kind: kind, sectors: sectors, label: "lumen")
            XCTAssertEqual(volume.label, "LUMEN")
            XCTAssertEqual(volume.clusterSize, 512)
            XCTAssertEqual(volume.totalBytes, UInt64(volume.clusterCount) * UInt64(volume.clusterSize))
            // Everything is free but FAT32's root directory cluster.
            XCTAssertEqual(volume.freeBytes, volume.totalBytes - (kind == .fat32 ? UInt64(volume.clusterSize) : 0), kind.name)
            XCTAssertEqual(try volume.list("/"), [], "a new volume is empty (the label is not listed)")
            XCTAssertTrue(try volume.info("/").isDirectory)
        }
    }

    /// A valid FAT16 boot sector to break one field at a time.
    func brokenFAT16(_ change: (inout [UInt8]) -> Void) throws -> String {
        let (disk, _) = try makeVolume(kind: .fat16, sectors: 32_768)
        var bytes = disk.bytes
        change(&bytes)
        let broken = RAMDisk(image: bytes)
        return corruptMessage { _ = try FATVolume.mount(device: broken, clock: testClock) }
    }

    func testBadBPBsAreRejectedWithAMessageNamingTheField() throws {
        XCTAssertEqual(try brokenFAT16 { $0[11] = 3; $0[12] = 0 }, "bad BPB: bytes per sector 3")
        XCTAssertEqual(try brokenFAT16 { $0[11] = 0; $0[12] = 3 }, "bad BPB: bytes per sector 768")
        XCTAssertEqual(try brokenFAT16 { $0[11] = 0; $0[12] = 0x20 }, "bad BPB: bytes per sector 8192")
        XCTAssertEqual(try brokenFAT16 { $0[13] = 0 }, "bad BPB: sectors per cluster 0")
        XCTAssertEqual(try brokenFAT16 { $0[13] = 3 }, "bad BPB: sectors per cluster 3")
        XCTAssertEqual(try brokenFAT16 { $0[16] = 0 }, "bad BPB: zero FATs")
        XCTAssertEqual(try brokenFAT16 { $0[14] = 0; $0[15] = 0 }, "bad BPB: no reserved sectors")
        XCTAssertEqual(try brokenFAT16 { $0[19] = 0; $0[20] = 0 }, "bad BPB: total sectors 0")
        // Larger than the device (65535 sectors on a 32768-sector disk).
        XCTAssertEqual(try brokenFAT16 { $0[19] = 0xFF; $0[20] = 0xFF },
                       "bad BPB: volume of 65535 sectors is larger than the device (32768 sectors)")
        // Too small: the data area would start past the end.
        XCTAssertTrue(try brokenFAT16 { $0[19] = 40; $0[20] = 0 }.hasPrefix("bad BPB: volume too small"))
        // A FAT too short for the clusters the size implies.
        XCTAssertTrue(try brokenFAT16 { $0[22] = 2; $0[23] = 0 }.contains("too few for"))
        XCTAssertEqual(try brokenFAT16 { $0[17] = 0; $0[18] = 0 }, "bad BPB: no root directory entries")
    }

    func testGarbageAndTinyDevicesAreRejected() throws {
        XCTAssertEqual(corruptMessage { _ = try FATVolume.mount(device: RAMDisk(sectorCount: 64), clock: testClock) },
                       "bad BPB: bytes per sector 0")
        let noise = RAMDisk(image: pattern(64 * 512, seed: 9))
        XCTAssertTrue(corruptMessage { _ = try FATVolume.mount(device: noise, clock: testClock) }.hasPrefix("bad BPB"))
        XCTAssertEqual(fatError { _ = try FATVolume.mount(device: RAMDisk(sectorCount: 0), clock: testClock) },
                       .corrupt("device is empty"))
        let failing = RAMDisk(sectorCount: 64)
        failing.failingReads = [0 ..< 1]
        XCTAssertEqual(fatError { _ = try FATVolume.mount(device: failing, clock: testClock) },
                       .io(.ioError(sector: 0, count: 1)))
    }

    func testFAT32FSInfoIsOnlyAHintAndIsRewrittenOnSync() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        let trueFree = volume.freeBytes
        var bytes = disk.bytes
        // Claim 5 free clusters in FSInfo (sector 1, offset 488).
        bytes[512 + 488] = 5; bytes[512 + 489] = 0; bytes[512 + 490] = 0; bytes[512 + 491] = 0
        disk.bytes = bytes
        let lied = try FATVolume.mount(device: disk, clock: testClock)
        XCTAssertEqual(lied.freeBytes, trueFree, "the FAT is counted, FSInfo not believed")
        try lied.writeFile("/one.bin", pattern(3 * 512))
        try lied.sync()
        let stored = UInt32(disk.bytes[512 + 488]) | UInt32(disk.bytes[512 + 489]) << 8
            | UInt32(disk.bytes[512 + 490]) << 16 | UInt32(disk.bytes[512 + 491]) << 24
        XCTAssertEqual(UInt64(stored) * 512, trueFree - 3 * 512)
    }

    func testBothFATCopiesAreKeptEqual() throws {
        for (kind, sectors) in [(FATKind.fat12, 2880), (.fat16, 32_768), (.fat32, 70_000)] {
            let (disk, volume) = try makeVolume(kind: kind, sectors: sectors)
            try volume.writeFile("/a.bin", pattern(10_000))
            try volume.makeDirectory("/dir")
            try volume.writeFile("/dir/b.bin", pattern(7_000))
            try volume.remove("/a.bin")
            try volume.sync()
            let g = volume.geometry
            let fatBytes = Int(g.sectorsPerFAT) * 512
            let first = Int(g.fatStart(copy: 0)) * 512
            let second = Int(g.fatStart(copy: 1)) * 512
            XCTAssertTrue(disk.bytes[first ..< first + fatBytes] == disk.bytes[second ..< second + fatBytes], "\(kind.name): FATs differ")
        }
    }

    func testVolumeWithLargerLogicalSectorsThanTheDevice() throws {
        // A 4096-byte-sector FAT16 on a 512-byte-sector disk: the cache works in 4 KiB blocks.
        let disk = RAMDisk(sectorCount: 8 * 5000, sectorSize: 512)
        let logical = RAMDisk(sectorCount: 5000, sectorSize: 4096)
        try FATFormatter.format(logical, options: FATFormatOptions(kind: .fat16, sectorsPerCluster: 1), clock: testClock)
        disk.bytes = logical.bytes
        let volume = try FATVolume.mount(device: disk, clock: testClock)
        XCTAssertEqual(volume.sectorSize, 4096)
        try volume.writeFile("/x.bin", pattern(10_000))
        let again = try remount(volume, disk)
        XCTAssertTrue(try again.readFile("/x.bin") == pattern(10_000))
        // The other way round is not possible: 512-byte FS sectors on a 4 KiB device.
        let big = RAMDisk(sectorCount: 100, sectorSize: 4096)
        var image = big.bytes
        let small = RAMDisk(sectorCount: 800)
        try FATFormatter.format(small, options: FATFormatOptions(kind: .fat12), clock: testClock)
        image.replaceSubrange(0 ..< small.bytes.count, with: small.bytes)
        big.bytes = image
        XCTAssertEqual(fatError { _ = try FATVolume.mount(device: big, clock: testClock) }, .io(.unsupported))
    }
}
