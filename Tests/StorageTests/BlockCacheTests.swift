import XCTest
@testable import Storage

final class BlockCacheTests: XCTestCase {
    /// A disk whose sector n starts with the byte n.
    func numberedDisk(_ sectors: Int = 64) -> RAMDisk {
        let disk = RAMDisk(sectorCount: sectors)
        var bytes = disk.bytes
        for sector in 0 ..< sectors { bytes[sector * 512] = UInt8(sector) }
        disk.bytes = bytes
        return disk
    }

    func testHitsMissesAndLeastRecentlyUsedEviction() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 4 * 512)
        XCTAssertEqual(cache.capacity, 4)
        for block: UInt64 in [1, 2, 3, 4] { XCTAssertEqual(try cache.loadByte(block: block, offset: 0), UInt8(block)) }
        XCTAssertEqual(try cache.loadByte(block: 1, offset: 0), 1)  // 1 is now the most recent
        XCTAssertEqual(cache.cachedBlocks, [1, 4, 3, 2])
        _ = try cache.loadByte(block: 5, offset: 0)                   // evicts 2, the least recent
        XCTAssertEqual(cache.cachedBlocks, [5, 1, 4, 3])
        XCTAssertFalse(cache.contains(block: 2))
        _ = try cache.loadByte(block: 6, offset: 0)                   // then 3
        XCTAssertEqual(cache.cachedBlocks, [6, 5, 1, 4])
        XCTAssertEqual(cache.statistics.misses, 6)
        XCTAssertEqual(cache.statistics.hits, 1)
        XCTAssertEqual(cache.statistics.evictions, 2)
        XCTAssertEqual(disk.counters.reads, 6, "one device read per miss")
    }

    func testWritesReachTheDeviceOnlyOnSyncOrEviction() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 4 * 512)
        try cache.storeByte(0xAA, block: 1, offset: 7, stage: .data)
        try cache.storeUInt32(0xDEAD_BEEF, block: 2, offset: 100, stage: .allocation)
        XCTAssertEqual(disk.counters.writes, 0, "write-back: nothing written yet")
        XCTAssertEqual(cache.dirtyCount, 2)
        XCTAssertEqual(disk.bytes[512 + 7], 0)
        try cache.sync()
        XCTAssertEqual(disk.counters.writes, 2)
        XCTAssertEqual(disk.bytes[512 + 7], 0xAA)
        XCTAssertEqual(Array(disk.bytes[1024 + 100 ..< 1024 + 104]), [0xEF, 0xBE, 0xAD, 0xDE])
        XCTAssertEqual(cache.statistics.writes, 2)
        XCTAssertEqual(cache.dirtyCount, 0)
        try cache.sync()
        XCTAssertEqual(disk.counters.writes, 2, "a clean cache writes nothing")

        // Eviction of a dirty block writes it.
        try cache.storeByte(0x55, block: 3, offset: 0, stage: .data)
        for block: UInt64 in [10, 11, 12] { _ = try cache.loadByte(block: block, offset: 0) }
        XCTAssertEqual(disk.counters.writes, 2)
        _ = try cache.loadByte(block: 13, offset: 0)  // pushes out 1 (clean), keeps 3
        _ = try cache.loadByte(block: 14, offset: 0)  // pushes out 2 (clean)
        _ = try cache.loadByte(block: 15, offset: 0)  // pushes out 3: dirty, written now
        XCTAssertEqual(disk.bytes[3 * 512], 0x55)
        XCTAssertEqual(disk.counters.writes, 3)
    }

    func testSyncWritesStagesInOrderWithFlushesBetween() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 16 * 512)
        try cache.storeByte(1, block: 5, offset: 0, stage: .directory)
        try cache.storeByte(1, block: 9, offset: 0, stage: .allocation)
        try cache.storeByte(1, block: 2, offset: 0, stage: .directory)
        try cache.storeByte(1, block: 30, offset: 0, stage: .data)
        try cache.storeByte(1, block: 8, offset: 0, stage: .allocation)
        disk.isLogging = true
        try cache.sync()
        let expected: [RAMDisk.Request] = [
            .init(kind: .write, sector: 30, count: 1), .init(kind: .flush, sector: 0, count: 0),
            .init(kind: .write, sector: 8, count: 1), .init(kind: .write, sector: 9, count: 1),
            .init(kind: .flush, sector: 0, count: 0),
            .init(kind: .write, sector: 2, count: 1), .init(kind: .write, sector: 5, count: 1),
            .init(kind: .flush, sector: 0, count: 0),
        ]
        XCTAssertEqual(disk.log, expected)
    }

    func testEvictingADirectoryBlockWritesEarlierStagesFirst() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 4 * 512)
        try cache.storeByte(1, block: 1, offset: 0, stage: .directory)   // least recent
        try cache.storeByte(1, block: 2, offset: 0, stage: .allocation)
        try cache.storeByte(1, block: 3, offset: 0, stage: .data)
        _ = try cache.loadByte(block: 4, offset: 0)
        disk.isLogging = true
        _ = try cache.loadByte(block: 5, offset: 0)                      // evicts block 1
        XCTAssertEqual(disk.log.filter { $0.kind == .write }.map(\.sector), [3, 2, 1])
        XCTAssertEqual(disk.log.filter { $0.kind == .flush }.count, 1, "a flush between the earlier stages and the directory block")
        XCTAssertFalse(cache.isDirty(block: 2))
        XCTAssertTrue(cache.contains(block: 2), "written back, still cached")
    }

    func testBlockDirtiedAsDataKeepsItsEarlyStage() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 8 * 512)
        try cache.storeByte(1, block: 6, offset: 0, stage: .allocation)
        try cache.zero(block: 7, stage: .data)                  // a fresh directory cluster
        try cache.storeByte(2, block: 7, offset: 32, stage: .directory)
        disk.isLogging = true
        try cache.sync()
        XCTAssertEqual(disk.log.filter { $0.kind == .write }.map(\.sector), [7, 6])
    }

    func testDirectTransfersStayCoherentWithCachedBlocks() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 8 * 512, maxTransferBytes: 4 * 512)
        try cache.storeByte(0x77, block: 11, offset: 1, stage: .data)  // dirty, not on disk
        var buffer = [UInt8](repeating: 0, count: 10 * 512)
        disk.isLogging = true
        try buffer.withUnsafeMutableBytes { try cache.readDirect(block: 10, count: 10, into: $0) }
        XCTAssertEqual(buffer[512 + 1], 0x77, "the dirty cached copy wins over the device")
        XCTAssertEqual(buffer[3 * 512], 13)
        XCTAssertEqual(disk.log.map(\.count), [4, 4, 2], "split at the transfer limit")

        _ = try cache.loadByte(block: 12, offset: 0)
        let fresh = pattern(2 * 512)
        try fresh.withUnsafeBytes { try cache.writeDirect(block: 11, count: 2, from: $0) }
        XCTAssertFalse(cache.isDirty(block: 11), "the direct write superseded the dirty copy")
        XCTAssertEqual(try cache.loadByte(block: 12, offset: 5), fresh[512 + 5], "cached copy updated")
        XCTAssertEqual(disk.bytes[11 * 512 + 1], fresh[1])
        XCTAssertEqual(cache.statistics.directReads, 3)
        XCTAssertEqual(cache.statistics.directWrites, 1)
    }

    func testFailedWriteBackKeepsTheBlockDirtyForALaterSync() throws {
        let disk = numberedDisk()
        let cache = BlockCache.create(device: disk, capacityBytes: 4 * 512)
        try cache.storeByte(9, block: 3, offset: 0, stage: .data)
        disk.failingWrites = [3 ..< 4]
        XCTAssertThrowsError(try cache.sync()) { XCTAssertEqual($0 as? BlockError, .ioError(sector: 3, count: 1)) }
        XCTAssertTrue(cache.isDirty(block: 3))
        disk.failingWrites = []
        try cache.sync()
        XCTAssertEqual(disk.bytes[3 * 512], 9)
    }

    func testReadErrorsAreReportedAndNotCached() throws {
        let disk = numberedDisk()
        disk.failingReads = [7 ..< 8]
        let cache = BlockCache.create(device: disk, capacityBytes: 4 * 512)
        XCTAssertThrowsError(try cache.loadByte(block: 7, offset: 0)) {
            XCTAssertEqual($0 as? BlockError, .ioError(sector: 7, count: 1))
        }
        XCTAssertFalse(cache.contains(block: 7))
        XCTAssertThrowsError(try cache.loadByte(block: 64, offset: 0), "past the end of the device")
        disk.failingReads = []
        XCTAssertEqual(try cache.loadByte(block: 7, offset: 0), 7)
    }

    func testBlocksLargerThanDeviceSectors() throws {
        let disk = numberedDisk(64)
        let cache = BlockCache.create(device: disk, blockSize: 2048, capacityBytes: 8 * 2048)
        XCTAssertEqual(cache.blockCount, 16)
        XCTAssertEqual(try cache.loadByte(block: 3, offset: 512), 13, "block 3 = sectors 12...15")
        try cache.storeByte(0xEE, block: 3, offset: 1024, stage: .data)
        try cache.sync()
        XCTAssertEqual(disk.bytes[14 * 512], 0xEE)
    }
}
