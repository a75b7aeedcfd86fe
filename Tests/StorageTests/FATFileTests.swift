import XCTest
@testable import Storage

final class FATFileTests: XCTestCase {
    let volumes: [(FATKind, Int, Int)] = [(.fat12, 2880, 1), (.fat16, 32_768, 4), (.fat32, 70_000, 1)]

    func testFilesOfEverySizeReadBackAfterARemount() throws {
        for (kind, sectors, spc) in volumes {
            let (disk, volume) = try makeVolume(kind: kind, sectors: sectors, sectorsPerCluster: spc)
            let cluster = volume.clusterSize
            let sizes = [0, 1, 511, 512, 513, cluster - 1, cluster, cluster + 1, 3 * cluster + 17, 100_000]
            for (index, size) in sizes.enumerated() {
                try volume.writeFile("/file\(index).bin", pattern(size, seed: index))
            }
            let again = try remount(volume, disk)
            for (index, size) in sizes.enumerated() {
                XCTAssertTrue(try again.readFile("/file\(index).bin") == pattern(size, seed: index), "\(kind.name) size \(size)")
                XCTAssertEqual(try again.info("/FILE\(index).BIN").size, UInt64(size))
            }
            XCTAssertEqual(try again.info("/file0.bin").firstCluster, 0, "an empty file owns no cluster")
        }
    }

    func testReadAtOffsetsStopsAtTheEnd() throws {
        let (_, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        let data = pattern(5000)
        try volume.writeFile("/data.bin", data)
        var buffer = [UInt8](repeating: 0, count: 1000)
        for offset in [0, 1, 511, 512, 1023, 4500, 4999] {
            let n = try buffer.withUnsafeMutableBytes { try volume.read("/data.bin", offset: UInt64(offset), into: $0) }
            XCTAssertEqual(n, min(1000, 5000 - offset))
            XCTAssertTrue(Array(buffer[0 ..< n]) == Array(data[offset ..< offset + n]), "offset \(offset)")
        }
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { try volume.read("/data.bin", offset: 5000, into: $0) }, 0)
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { try volume.read("/data.bin", offset: 1 << 40, into: $0) }, 0)
    }

    func testAppendCreatesThenExtends() throws {
        let (disk, volume) = try makeVolume(kind: .fat12, sectors: 2880)
        var expected: [UInt8] = []
        for round in 0 ..< 20 {
            let piece = pattern(37 * round + 5, seed: round)
            try volume.append("/log.txt", piece)
            expected += piece
        }
        XCTAssertTrue(try volume.readFile("/log.txt") == expected)
        XCTAssertTrue(try remount(volume, disk).readFile("/log.txt") == expected)
    }

    func testWritingPastTheEndFillsTheGapWithZeros() throws {
        let (_, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        // Leave garbage in the clusters the file will get.
        try volume.writeFile("/garbage.bin", [UInt8](repeating: 0xEE, count: 8192))
        try volume.remove("/garbage.bin")
        try volume.writeFile("/sparse.bin", [1, 2, 3])
        try [UInt8]([7, 8]).withUnsafeBytes { try volume.write("/sparse.bin", offset: 6000, from: $0) }
        var expected = [UInt8](repeating: 0, count: 6002)
        expected[0] = 1; expected[1] = 2; expected[2] = 3; expected[6000] = 7; expected[6001] = 8
        XCTAssertTrue(try volume.readFile("/sparse.bin") == expected, "the gap reads as zeros, not old data")
        try [UInt8]([9]).withUnsafeBytes { try volume.write("/new.bin", offset: 700, from: $0) }
        XCTAssertTrue(try volume.readFile("/new.bin") == [UInt8](repeating: 0, count: 700) + [9], "zeros, then the byte")
    }

    func testOverwritingTheMiddleKeepsTheRest() throws {
        let (_, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        var data = pattern(10_000)
        try volume.writeFile("/f.bin", data)
        let patch = pattern(3000, seed: 77)
        try patch.withUnsafeBytes { try volume.write("/f.bin", offset: 1234, from: $0) }
        data.replaceSubrange(1234 ..< 4234, with: patch)
        XCTAssertTrue(try volume.readFile("/f.bin") == data)
        XCTAssertEqual(try volume.info("/f.bin").size, 10_000)
    }

    func testTruncateShrinksGrowsAndFreesClusters() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 2)
        let free = volume.freeBytes
        try volume.writeFile("/t.bin", pattern(10_000))
        XCTAssertEqual(volume.freeBytes, free - 10 * 1024)
        try volume.truncate("/t.bin", size: 1500)
        XCTAssertEqual(volume.freeBytes, free - 2 * 1024)
        XCTAssertTrue(try volume.readFile("/t.bin") == Array(pattern(10_000)[0 ..< 1500]))
        try volume.truncate("/t.bin", size: 3000)
        XCTAssertTrue(try volume.readFile("/t.bin") == Array(pattern(10_000)[0 ..< 1500]) + [UInt8](repeating: 0, count: 1500))
        try volume.truncate("/t.bin", size: 0)
        XCTAssertEqual(volume.freeBytes, free)
        XCTAssertEqual(try volume.info("/t.bin").firstCluster, 0)
        XCTAssertEqual(try remount(volume, disk).freeBytes, free)
        XCTAssertEqual(fatError { try volume.truncate("/missing", size: 1) }, .notFound("/missing"))
        XCTAssertEqual(fatError { try volume.truncate("/t.bin", size: 1 << 32) }, .fileTooLarge)
    }

    func testWriteFileReplacesContentsAndReleasesSpace() throws {
        let (_, volume) = try makeVolume(kind: .fat12, sectors: 2880)
        let free = volume.freeBytes
        try volume.writeFile("/r.txt", pattern(20_000))
        try volume.writeFile("/r.txt", Array("short".utf8))
        XCTAssertEqual(try volume.readFile("/r.txt"), Array("short".utf8))
        XCTAssertEqual(volume.freeBytes, free - 512)
        try volume.writeFile("/r.txt", [])
        XCTAssertEqual(volume.freeBytes, free)
        XCTAssertEqual(try volume.list("/").count, 1)
    }

    func testCreateFileTouchesAndTimestampsComeFromTheClock() throws {
        let disk = RAMDisk(sectorCount: 2880)
        try FATFormatter.format(disk, clock: testClock)
        var now = FATTimestamp(year: 2023, month: 12, day: 31, hour: 23, minute: 59, second: 58)
        let volume = try FATVolume.mount(device: disk, clock: { now })
        try volume.createFile("/touched")
        var entry = try volume.info("/touched")
        XCTAssertEqual(entry.size, 0)
        XCTAssertEqual(entry.created, now)
        XCTAssertEqual(entry.modified, now)
        XCTAssertEqual(entry.accessed, FATTimestamp(year: 2023, month: 12, day: 31))
        XCTAssertTrue(entry.attributes.contains(.archive))
        now = FATTimestamp(year: 2024, month: 2, day: 29, hour: 8, minute: 0, second: 7)
        try volume.createFile("/TOUCHED")
        entry = try volume.info("/touched")
        XCTAssertEqual(entry.created.year, 2023, "touch keeps the creation time")
        XCTAssertEqual(entry.modified, FATTimestamp(year: 2024, month: 2, day: 29, hour: 8, minute: 0, second: 6),
                       "modification times have two-second resolution")
        XCTAssertEqual(try volume.list("/").count, 1)
        now = FATTimestamp(year: 2024, month: 3, day: 1, hour: 9)
        _ = try volume.readFile("/touched")
        XCTAssertEqual(try volume.info("/touched").accessed, FATTimestamp(year: 2024, month: 3, day: 1), "reads update the access date")
        XCTAssertEqual(FATTimestamp.fromUnixSeconds(1_700_000_000), FATTimestamp(year: 2023, month: 11, day: 14, hour: 22, minute: 13, second: 20))
        XCTAssertEqual(FATTimestamp.fromUnixSeconds(951_782_400), FATTimestamp(year: 2000, month: 2, day: 29))
    }

    func testRemoveFreesSpaceAndForgetsTheName() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        let free = volume.freeBytes
        try volume.writeFile("/Some long name.bin", pattern(4000))
        try volume.remove("/some LONG name.bin")
        XCTAssertEqual(volume.freeBytes, free)
        XCTAssertEqual(fatError { _ = try volume.readFile("/Some long name.bin") }, .notFound("/Some long name.bin"))
        XCTAssertEqual(try volume.list("/"), [])
        XCTAssertEqual(try remount(volume, disk).freeBytes, free)
    }

    func testMisusedPathsGiveTheRightErrors() throws {
        let (_, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        try volume.makeDirectory("/dir")
        try volume.writeFile("/file", [1])
        XCTAssertEqual(fatError { _ = try volume.readFile("/dir") }, .isADirectory("/dir"))
        XCTAssertEqual(fatError { try volume.writeFile("/dir", [1]) }, .isADirectory("/dir"))
        XCTAssertEqual(fatError { try volume.remove("/dir") }, .isADirectory("/dir"))
        XCTAssertEqual(fatError { try volume.writeFile("/", [1]) }, .isADirectory("/"))
        XCTAssertEqual(fatError { try volume.writeFile("/file/inner", [1]) }, .notADirectory("/file/inner"))
        XCTAssertEqual(fatError { _ = try volume.list("/file") }, .notADirectory("/file"))
        XCTAssertEqual(fatError { try volume.writeFile("/nowhere/x", [1]) }, .notFound("/nowhere/x"))
        XCTAssertEqual(fatError { try volume.remove("/nothing") }, .notFound("/nothing"))
        XCTAssertEqual(fatError { _ = try volume.readFile("/nothing") }?.message, "/nothing: no such file or directory")
    }

    func testLargeTransfersBypassTheCacheWithOneRequestPerContiguousRun() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        let size = 3 * 1024 * 1024 + 1000
        let data = pattern(size)
        try volume.sync()
        disk.isLogging = true
        disk.resetCounters()
        volume.cache.resetStatistics()
        try volume.writeFile("/big.bin", data)
        let writes = disk.log.filter { $0.kind == .write }
        XCTAssertEqual(writes.map(\.count), [2048, 2048, 2048, 1], "contiguous: 1 MiB requests, then the last whole sector")
        XCTAssertEqual(volume.cache.statistics.directWrites, 4)
        try volume.sync()
        disk.resetCounters()
        let misses = volume.cache.statistics.misses
        var buffer = [UInt8](repeating: 0, count: size)
        let n = try buffer.withUnsafeMutableBytes { try volume.read("/big.bin", offset: 0, into: $0) }
        XCTAssertEqual(n, size)
        XCTAssertTrue(buffer == data)
        XCTAssertLessThanOrEqual(disk.counters.reads, 6, "one request per MiB plus the partial tail and metadata")
        XCTAssertLessThanOrEqual(volume.cache.statistics.misses - misses, 4, "data did not go through the cache")
    }
}
