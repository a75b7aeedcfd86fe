import XCTest
@testable import Storage

/// Damaged volumes, full disks, read-only devices and failing devices.
final class FATRobustnessTests: XCTestCase {
    /// Changes the volume with its own internals, syncs, and mounts the result.
    func damaged(_ volume: FATVolume<RAMDisk>, _ disk: RAMDisk,
                 _ damage: (FATVolume<RAMDisk>) throws -> Void) throws -> FATVolume<RAMDisk> {
        try damage(volume)
        return try remount(volume, disk)
    }

    func setSize(_ volume: FATVolume<RAMDisk>, _ path: String, _ size: UInt32? = nil, firstCluster: UInt32? = nil) throws {
        let located = try volume.locate(path)
        var record = located.item.record
        if let size { record.size = size }
        if let firstCluster { record.firstCluster = firstCluster }
        try volume.store(record, at: located.item.slot, in: located.directory)
    }

    func testClusterChainLoopsAreReportedNotFollowedForever() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.writeFile("/loop.bin", pattern(2000))
        try volume.writeFile("/fine.bin", pattern(100, seed: 2))
        let first = try volume.info("/loop.bin").firstCluster
        let broken = try damaged(volume, disk) { v in
            try v.setFATEntry(first + 3, first + 1)          // the last cluster points back
            try self.setSize(v, "/loop.bin", 100_000)       // and the size wants more
        }
        XCTAssertTrue(corruptMessage { _ = try broken.readFile("/loop.bin") }.hasPrefix("cluster chain loops at cluster "))
        var buffer = [UInt8](repeating: 0, count: 10)
        XCTAssertTrue(corruptMessage { _ = try buffer.withUnsafeMutableBytes { try broken.read("/loop.bin", offset: 0, into: $0) } }
            .hasPrefix("cluster chain loops"), "even a read of the first bytes: the whole chain is checked")
        XCTAssertTrue(corruptMessage { try broken.append("/loop.bin", [1]) }.hasPrefix("cluster chain loops"))
        XCTAssertTrue(try broken.readFile("/fine.bin") == pattern(100, seed: 2), "the rest of the volume still works")
        // Deleting the damaged file is still possible.
        try broken.remove("/loop.bin")
        let after = try remount(broken, disk)
        XCTAssertEqual(after.freeBytes, broken.freeBytes)
        XCTAssertEqual(names(try after.list("/")), ["fine.bin"])
    }

    func testChainsLeavingTheVolumeOrRunningIntoFreeClusters() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.writeFile("/far.bin", pattern(2000))
        try volume.writeFile("/free.bin", pattern(2000))
        let far = try volume.info("/far.bin").firstCluster
        let free = try volume.info("/free.bin").firstCluster
        let last = volume.geometry.maxCluster
        let broken = try damaged(volume, disk) { v in
            try v.setFATEntry(far + 1, last + 10)
            try v.setFATEntry(free + 1, 0)
        }
        XCTAssertEqual(corruptMessage { _ = try broken.readFile("/far.bin") },
                       "cluster \(last + 10) out of range (FAT entry of cluster \(far + 1); last cluster is \(last))")
        XCTAssertEqual(corruptMessage { _ = try broken.readFile("/free.bin") },
                       "cluster chain runs into free cluster after cluster \(free + 1)")
    }

    func testEntriesPointingOutsideTheVolumeOrClaimingTooMuch() throws {
        let (disk, volume) = try makeVolume(kind: .fat12, sectors: 2880)
        try volume.writeFile("/outside.bin", pattern(700))
        try volume.writeFile("/huge.bin", pattern(700))
        try volume.makeDirectory("/dir")
        let last = volume.geometry.maxCluster
        let broken = try damaged(volume, disk) { v in
            try self.setSize(v, "/outside.bin", firstCluster: last + 1)
            try self.setSize(v, "/huge.bin", 0xFFFF_FFFF)
            try self.setSize(v, "/dir", firstCluster: 1)
        }
        XCTAssertEqual(corruptMessage { _ = try broken.readFile("/outside.bin") },
                       "directory entry \"outside.bin\": first cluster \(last + 1) outside the volume (2...\(last))")
        XCTAssertEqual(corruptMessage { _ = try broken.readFile("/huge.bin") },
                       "\"huge.bin\": size is larger than its cluster chain")
        var buffer = [UInt8](repeating: 0, count: 100)
        XCTAssertEqual(corruptMessage { _ = try buffer.withUnsafeMutableBytes { try broken.read("/huge.bin", offset: 0, into: $0) } },
                       "\"huge.bin\": size is larger than its cluster chain")
        XCTAssertTrue(corruptMessage { _ = try broken.list("/dir") }.contains("first cluster 1 outside the volume"))
        XCTAssertEqual(try broken.list("/").count, 3, "listing the parent still works")
    }

    func testLoopingDirectoryChain() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.makeDirectory("/d")
        for index in 0 ..< 20 { try volume.createFile("/d/entry \(index)") }
        let first = try volume.info("/d").firstCluster
        let (_, last) = try volume.chainEnd(first: first)
        let broken = try damaged(volume, disk) { v in try v.setFATEntry(last, first) }
        XCTAssertTrue(corruptMessage { _ = try broken.list("/d") }.contains("loops"))
        XCTAssertTrue(corruptMessage { try broken.createFile("/d/more") }.contains("loops"))
    }

    func testGarbagePastTheEndMarkerStaysHidden() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        try volume.writeFile("/first.txt", [1])
        let root = try volume.openRoot()
        // Slot 1 is the end marker; slot 2 holds what looks like an entry.
        var ghost = DirectoryRecord.empty(name: ShortName(bytes: Array("GHOST   TXT".utf8)), attributes: .archive)
        ghost.size = 5
        try volume.store(ghost, at: 2, in: root)
        let again = try remount(volume, disk)
        XCTAssertEqual(names(try again.list("/")), ["first.txt"])
        try again.writeFile("/second.txt", [2])
        XCTAssertEqual(names(try again.list("/")), ["first.txt", "second.txt"], "the ghost must not appear")
    }

    func testFullDiskGivesNoSpaceAndLosesNothing() throws {
        let (disk, volume) = try makeVolume(kind: .fat12, sectors: 2880)
        try volume.makeDirectory("/sub")
        try volume.writeFile("/a.bin", pattern(1_000_000))
        let free = volume.freeBytes
        XCTAssertEqual(fatError { try volume.writeFile("/b.bin", pattern(Int(free) + 1)) }, .noSpace)
        XCTAssertEqual(volume.freeBytes, free, "nothing stays allocated")
        XCTAssertEqual(try volume.info("/b.bin").size, 0, "the file exists, with what was written: nothing")
        XCTAssertEqual(fatError { try volume.append("/a.bin", pattern(Int(free) + 512)) }, .noSpace)
        XCTAssertEqual(try volume.info("/a.bin").size, 1_000_000)
        try volume.writeFile("/c.bin", pattern(Int(free), seed: 3))      // exactly fills the disk
        XCTAssertEqual(volume.freeBytes, 0)
        XCTAssertEqual(fatError { try volume.makeDirectory("/more") }, .noSpace)
        XCTAssertEqual(fatError { try volume.append("/c.bin", [1]) }, .noSpace)
        // A subdirectory that must grow cannot: its first cluster holds 16 slots.
        var created = 0
        var failure: Error?
        while failure == nil {
            do { try volume.createFile("/sub/f\(created)"); created += 1 } catch { failure = error }
        }
        XCTAssertEqual(created, 14, "16 slots minus . and ..")
        XCTAssertEqual(failure as? FATError, .noSpace)
        XCTAssertTrue(try volume.readFile("/a.bin") == pattern(1_000_000))
        let again = try remount(volume, disk)
        XCTAssertEqual(again.freeBytes, 0)
        XCTAssertTrue(try again.readFile("/c.bin") == pattern(Int(free), seed: 3))
        try again.remove("/c.bin")
        XCTAssertEqual(again.freeBytes, free)
        if HostTools.path(of: "fsck.fat") != nil {
            let tools = try HostTools()
            try again.sync()
            try tools.save(disk.bytes, tools.url("full.img"))
            let report = try tools.fsck(tools.url("full.img"))
            XCTAssertTrue(report.clean, report.output)
        }
    }

    func testReadOnlyDeviceRefusesEveryChangeUpFront() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        try volume.makeDirectory("/dir")
        try volume.writeFile("/file.txt", [1, 2, 3])
        try volume.sync()
        disk.isReadOnly = true
        disk.resetCounters()
        let frozen = try FATVolume.mount(device: disk, clock: { FATTimestamp(year: 2030, month: 1, day: 1) })
        XCTAssertTrue(frozen.isReadOnly)
        var buffer: [UInt8] = [9]
        let attempts: [(String, () throws -> Void)] = [
            ("writeFile", { try frozen.writeFile("/new", [1]) }),
            ("append", { try frozen.append("/file.txt", [1]) }),
            ("write", { try buffer.withUnsafeBytes { try frozen.write("/file.txt", offset: 0, from: $0) } }),
            ("truncate", { try frozen.truncate("/file.txt", size: 0) }),
            ("createFile", { try frozen.createFile("/file.txt") }),
            ("remove", { try frozen.remove("/file.txt") }),
            ("rename", { try frozen.rename("/file.txt", "/x") }),
            ("makeDirectory", { try frozen.makeDirectory("/d2") }),
            ("removeDirectory", { try frozen.removeDirectory("/dir") }),
            ("remove missing", { try frozen.remove("/missing") }),
        ]
        for (what, attempt) in attempts { XCTAssertEqual(fatError(attempt), .readOnly, what) }
        XCTAssertEqual(try frozen.readFile("/file.txt"), [1, 2, 3])
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { try frozen.read("/file.txt", offset: 2, into: $0) }, 1)
        XCTAssertEqual(names(try frozen.list("/")), ["dir", "file.txt"])
        try frozen.sync()
        XCTAssertEqual(disk.counters.writes, 0, "not a byte written (not even access dates)")
    }

    func testReadErrorsNameTheSectorsAndSpareOtherFiles() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 4)
        try volume.writeFile("/bad.bin", pattern(100_000))
        try volume.writeFile("/good.bin", pattern(5000, seed: 2))
        let again = try remount(volume, disk)
        let start = again.geometry.firstSector(ofCluster: try again.info("/bad.bin").firstCluster)
        disk.failingReads = [start + 40 ..< start + 41]
        guard case .io(.ioError(let sector, let count))? = fatError({ _ = try again.readFile("/bad.bin") }) else {
            return XCTFail("expected an I/O error")
        }
        XCTAssertTrue(sector <= start + 40 && start + 40 < sector + UInt64(count), "the error names the failing request")
        XCTAssertTrue(try again.readFile("/good.bin") == pattern(5000, seed: 2))
        XCTAssertEqual(try again.list("/").count, 2)
        disk.failingReads = []
        XCTAssertTrue(try again.readFile("/bad.bin") == pattern(100_000), "usable again once the device is")
    }

    func testWriteErrorsGiveBackTheClustersAndKeepTheVolumeUsable() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        try volume.writeFile("/keep.bin", pattern(3000))
        try volume.sync()
        let free = volume.freeBytes
        disk.failingWrites = [volume.geometry.dataStart + 200 ..< volume.geometry.dataStart + 201]
        guard case .io(.ioError)? = fatError({ try volume.writeFile("/new.bin", pattern(300_000, seed: 5)) }) else {
            return XCTFail("expected an I/O error")
        }
        XCTAssertEqual(volume.freeBytes, free, "allocation undone")
        XCTAssertEqual(try volume.info("/new.bin").size, 0)
        XCTAssertTrue(try volume.readFile("/keep.bin") == pattern(3000))
        try volume.sync()
        disk.failingWrites = []
        try volume.writeFile("/new.bin", pattern(300_000, seed: 5))
        let again = try remount(volume, disk)
        XCTAssertTrue(try again.readFile("/new.bin") == pattern(300_000, seed: 5))
        XCTAssertEqual(again.freeBytes, volume.freeBytes)

        // Metadata that cannot be written back: sync says which sector, later syncs retry.
        try again.writeFile("/meta.bin", [1])
        let fat = again.geometry.fatStart(copy: 0) ..< again.geometry.fatStart(copy: 1)
        disk.failingWrites = [fat]
        guard case .io(.ioError(let sector, 1))? = fatError({ try again.sync() }) else { return XCTFail("expected an I/O error") }
        XCTAssertTrue(fat.contains(sector), "names a sector of the first FAT")
        disk.failingWrites = []
        try again.sync()
        XCTAssertEqual(try remount(again, disk).readFile("/meta.bin"), [1])
    }
}
