import XCTest
@testable import Storage

final class FATDirectoryTests: XCTestCase {
    func testMakeListAndRemoveDirectories() throws {
        for (kind, sectors) in [(FATKind.fat12, 2880), (.fat16, 32_768), (.fat32, 70_000)] {
            let (disk, volume) = try makeVolume(kind: kind, sectors: sectors)
            let free = volume.freeBytes
            try volume.makeDirectory("/Projects")
            try volume.makeDirectory("/Projects/Lumen OS")
            try volume.writeFile("/Projects/Lumen OS/main.swift", Array("print(1)\n".utf8))
            XCTAssertEqual(names(try volume.list("/")), ["Projects"])
            XCTAssertTrue(try volume.info("/projects/lumen os").isDirectory)
            XCTAssertEqual(fatError { try volume.makeDirectory("/projects") }, .exists("/projects"))
            XCTAssertEqual(fatError { try volume.removeDirectory("/Projects") }, .directoryNotEmpty("/Projects"))
            XCTAssertEqual(fatError { try volume.removeDirectory("/Projects/Lumen OS/main.swift") },
                           .notADirectory("/Projects/Lumen OS/main.swift"))
            XCTAssertEqual(fatError { try volume.removeDirectory("/") }, .invalidOperation("cannot remove the root directory"))
            let again = try remount(volume, disk)
            XCTAssertEqual(try again.readFile("/Projects/Lumen OS/main.swift"), Array("print(1)\n".utf8))
            try again.remove("/Projects/Lumen OS/main.swift")
            try again.removeDirectory("/Projects/Lumen OS")
            try again.removeDirectory("/Projects")
            XCTAssertEqual(try again.list("/"), [])
            XCTAssertEqual(again.freeBytes, free, kind.name)
        }
    }

    func testNewDirectoriesHaveDotAndDotDot() throws {
        let (_, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        try volume.makeDirectory("/top")
        try volume.makeDirectory("/top/sub")
        let top = try volume.info("/top").firstCluster
        let sub = try volume.info("/top/sub").firstCluster
        func dots(_ path: String) throws -> [UInt32] {
            var result: [UInt32] = []
            try volume.scan(try volume.directory(path)) { item in
                if item.record.isDotEntry { result.append(item.record.firstCluster) }
                return false
            }
            return result
        }
        XCTAssertEqual(try dots("/top"), [top, 0], "\"..\" of a directory in the root is 0, even on FAT32")
        XCTAssertEqual(try dots("/top/sub"), [sub, top])
        XCTAssertEqual(try volume.list("/top"), try volume.list("/top/sub/.."), ".. resolves by name")
    }

    func testDirectorySpanningManyClusters() throws {
        // 512-byte clusters: 16 entries each; 200 long names (3 slots each) need 38 clusters.
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.makeDirectory("/many")
        for index in 0 ..< 200 { try volume.writeFile("/many/File number \(index).txt", pattern(index, seed: index)) }
        let entries = try volume.list("/many")
        XCTAssertEqual(entries.count, 200)
        let chain = try volume.chainEnd(first: try volume.info("/many").firstCluster).count
        XCTAssertGreaterThan(chain, 30)
        let again = try remount(volume, disk)
        for index in stride(from: 0, to: 200, by: 7) {
            XCTAssertTrue(try again.readFile("/many/file NUMBER \(index).txt") == pattern(index, seed: index))
        }
        // Deleted slots are reused before the directory grows.
        for index in 0 ..< 100 { try again.remove("/many/File number \(index).txt") }
        for index in 0 ..< 100 { try again.writeFile("/many/New \(index)", [1]) }
        XCTAssertEqual(try again.chainEnd(first: try again.info("/many").firstCluster).count, chain)
        XCTAssertEqual(try again.list("/many").count, 200)
    }

    /// Creating n files in one directory costs O(n) block-cache lookups, not
    /// O(n²): the directory's name index answers "does it exist?", "which short
    /// names are taken?" and "where is a free slot?" without rescanning it.
    /// The index follows deletes and renames, and a remount agrees with it.
    func testCreatingManyFilesDoesNotRescanTheDirectory() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        try volume.makeDirectory("/bulk")
        volume.cache.resetStatistics()
        for index in 0 ..< 400 { try volume.createFile("/bulk/small file \(index).txt") }
        let lookups = volume.cache.statistics.hits + volume.cache.statistics.misses
        // 400 files of 3 slots each fill ~75 directory sectors: a rescan per
        // create would cost ~30,000 block lookups (twice that with the survey).
        XCTAssertLessThan(lookups, 400 * 12, "block lookups for 400 creates")
        try volume.createFile("/bulk/SMALL FILE 7.TXT")  // an existing name, in other case: touched, not added
        XCTAssertEqual(try volume.list("/bulk").count, 400)
        for index in stride(from: 0, to: 400, by: 3) { try volume.remove("/bulk/small file \(index).txt") }
        try volume.rename("/bulk/small file 1.txt", "/bulk/renamed.txt")
        XCTAssertEqual(fatError { try volume.info("/bulk/small file 1.txt") }, .notFound("/bulk/small file 1.txt"))
        XCTAssertNoThrow(try volume.info("/bulk/RENAMED.TXT"))
        for index in 0 ..< 50 { try volume.writeFile("/bulk/again \(index)", [UInt8(index)]) }
        let listed = Set(try volume.list("/bulk").map(\.name))
        let again = try remount(volume, disk)
        XCTAssertEqual(Set(try again.list("/bulk").map(\.name)), listed)
        XCTAssertEqual(listed.count, 400 - 134 + 50)
        XCTAssertEqual(try again.readFile("/bulk/again 49"), [49])
    }

    func testFAT32RootDirectoryIsAGrowingChain() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        for index in 0 ..< 60 { try volume.createFile("/root file \(index)") }
        XCTAssertGreaterThan(try volume.chainEnd(first: volume.geometry.rootCluster).count, 5)
        XCTAssertEqual(try remount(volume, disk).list("/").count, 60)
    }

    func testFixedRootDirectoryFullGivesNoSpace() throws {
        let disk = RAMDisk(sectorCount: 2880)
        try FATFormatter.format(disk, options: FATFormatOptions(kind: .fat12, rootEntries: 16), clock: testClock)
        let volume = try FATVolume.mount(device: disk, clock: testClock)
        for index in 0 ..< 16 { try volume.createFile("/F\(index)") }
        XCTAssertEqual(fatError { try volume.createFile("/F16") }, .noSpace)
        XCTAssertEqual(fatError { try volume.makeDirectory("/D") }, .noSpace)
        XCTAssertEqual(volume.freeBytes, volume.totalBytes, "the failed mkdir gave its cluster back")
        XCTAssertEqual(fatError { try volume.makeDirectory("/F0/..") }, .exists("/F0/.."), "that is the root")
    }

    func testRenameWithinAndAcrossDirectories() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768)
        try volume.makeDirectory("/from")
        try volume.makeDirectory("/to")
        try volume.writeFile("/from/a.txt", [1])
        try volume.writeFile("/from/b.txt", [2])
        try volume.rename("/from/a.txt", "/from/A renamed with a long name.txt")
        XCTAssertEqual(names(try volume.list("/from")), ["A renamed with a long name.txt", "b.txt"])
        try volume.rename("/from/b.txt", "/to/b moved.txt")
        XCTAssertEqual(names(try volume.list("/to")), ["b moved.txt"])
        XCTAssertEqual(try volume.readFile("/to/b moved.txt"), [2])
        try volume.rename("/from/a renamed with a LONG name.txt", "/from/A RENAMED WITH A LONG NAME.TXT")
        XCTAssertEqual(names(try volume.list("/from")), ["A RENAMED WITH A LONG NAME.TXT"], "case-only rename")
        XCTAssertEqual(fatError { try volume.rename("/to/b moved.txt", "/from/a renamed with a long name.txt") },
                       .exists("/from/a renamed with a long name.txt"))
        XCTAssertEqual(fatError { try volume.rename("/nothing", "/x") }, .notFound("/nothing"))
        XCTAssertEqual(fatError { try volume.rename("/from/x*", "/x") }, .notFound("/from/x*"))
        guard case .invalidName = fatError({ try volume.rename("/to/b moved.txt", "/to/b?") }) else { return XCTFail() }
        let again = try remount(volume, disk)
        XCTAssertEqual(try again.readFile("/from/A RENAMED WITH A LONG NAME.TXT"), [1])
        XCTAssertEqual(try again.readFile("/to/b moved.txt"), [2])
    }

    func testMovingADirectoryUpdatesItsParentLink() throws {
        let (disk, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        try volume.makeDirectory("/a")
        try volume.makeDirectory("/a/child")
        try volume.writeFile("/a/child/x", [7])
        try volume.makeDirectory("/b")
        try volume.rename("/a/child", "/b/child")
        XCTAssertEqual(try volume.readFile("/b/child/x"), [7])
        var parent: UInt32 = 1
        try volume.scan(try volume.directory("/b/child")) { item in
            if item.record.name == ShortName.dotDot { parent = item.record.firstCluster }
            return false
        }
        XCTAssertEqual(parent, try volume.info("/b").firstCluster)
        XCTAssertEqual(fatError { try volume.rename("/b", "/b/child/b") }, .invalidOperation("cannot move a directory into itself (/b/child/b)"))
        XCTAssertNoThrow(try volume.rename("/b", "/b"), "renaming onto itself is a no-op")
        try volume.rename("/b/child", "/top")
        var rootParent: UInt32 = 1
        try volume.scan(try volume.directory("/top")) { item in
            if item.record.name == ShortName.dotDot { rootParent = item.record.firstCluster }
            return false
        }
        XCTAssertEqual(rootParent, 0)
        XCTAssertEqual(names(try remount(volume, disk).list("/")), ["a", "b", "top"])
    }
}

final class FATFreeCountTests: XCTestCase {
    /// Mounting counts free clusters from the table (FAT32 two entries a load):
    /// with files freed here and there, leaving single used and free clusters at
    /// odd and even positions, the count after a remount is the one the volume
    /// kept while allocating and freeing.
    func testMountCountsFreeClustersAroundHoles() throws {
        for sectors in [70_000, 70_001, 70_003] {
            let (disk, volume) = try makeVolume(kind: .fat32, sectors: sectors, sectorsPerCluster: 1)
            for index in 0 ..< 41 { try volume.writeFile("/f\(index)", [UInt8](repeating: UInt8(index), count: 1 + index % 3 * 512)) }
            for index in stride(from: 0, to: 41, by: 3) { try volume.remove("/f\(index)") }
            try volume.writeFile("/tail", [UInt8](repeating: 7, count: 5 * 512))
            let kept = volume.freeBytes
            let again = try remount(volume, disk)
            XCTAssertEqual(again.freeBytes, kept, "\(sectors) sectors")
            XCTAssertLessThan(again.freeBytes, again.totalBytes)
            try again.writeFile("/new", [1])
            XCTAssertEqual(again.freeBytes, kept - 512)
        }
    }
}
