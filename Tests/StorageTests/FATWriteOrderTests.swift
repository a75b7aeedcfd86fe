import XCTest
@testable import Storage

/// What reaches the disk in which order: the crash-consistency promises.
final class FATWriteOrderTests: XCTestCase {
    enum Region { case fat, directory, data, other }

    func region(_ volume: FATVolume<RAMDisk>, _ sector: UInt64) -> Region {
        let g = volume.geometry
        if sector >= g.reservedSectors && sector < g.rootDirectoryStart { return .fat }
        if sector >= g.rootDirectoryStart && sector < g.dataStart { return .directory }
        if sector >= g.dataStart { return .data }
        return .other
    }

    /// Regions of the writes in the log, with flushes as nil.
    func writes(_ volume: FATVolume<RAMDisk>, _ disk: RAMDisk) -> [Region?] {
        disk.log.compactMap { request in
            switch request.kind {
            case .write: return .some(region(volume, request.sector))
            case .flush: return .some(nil)
            default: return nil
            }
        }
    }

    func testGrowingAFileWritesDataAndFATBeforeItsDirectoryEntry() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.writeFile("/grow.txt", Array("start\n".utf8))
        try volume.sync()
        disk.isLogging = true
        try volume.append("/grow.txt", pattern(3000))   // partial sectors through the cache, new clusters
        XCTAssertEqual(disk.log.filter { $0.kind == .write }.map(\.count), [4], "whole new sectors go straight to the device")
        try volume.sync()
        let order = writes(volume, disk)
        let lastDataOrFAT = order.lastIndex { $0 == .data || $0 == .fat }!
        let firstDirectory = order.firstIndex { $0 == .directory }!
        XCTAssertLessThan(lastDataOrFAT, firstDirectory, "\(order)")
        XCTAssertTrue(order[lastDataOrFAT + 1 ..< firstDirectory].contains { $0 == nil }, "a flush in between: \(order)")
        let lastData = order.lastIndex { $0 == .data }!
        let firstFAT = order.firstIndex { $0 == .fat }!
        XCTAssertLessThan(lastData, firstFAT, "data before the FAT claims it: \(order)")
    }

    func testRemovingAFileWritesTheDeletedEntryBeforeFreeingClusters() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.writeFile("/doomed.bin", pattern(5000))
        try volume.sync()
        disk.isLogging = true
        try volume.remove("/doomed.bin")
        // The barrier: the directory sector is on disk, the FAT not yet changed.
        XCTAssertEqual(writes(volume, disk).compactMap { $0 }, [.directory])
        try volume.sync()
        let order = writes(volume, disk)
        let directory = order.firstIndex { $0 == .directory }!
        let firstFAT = order.firstIndex { $0 == .fat }!
        XCTAssertLessThan(directory, firstFAT, "\(order)")
        XCTAssertTrue(order[directory ..< firstFAT].contains { $0 == nil }, "flushed in between: \(order)")
    }

    func testShrinkingWritesTheNewSizeBeforeFreeingClusters() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        try volume.writeFile("/shrink.bin", pattern(5000))
        try volume.sync()
        disk.isLogging = true
        try volume.truncate("/shrink.bin", size: 100)
        XCTAssertEqual(writes(volume, disk).compactMap { $0 }, [.directory])
        try volume.sync()
        XCTAssertEqual(writes(volume, disk).compactMap { $0 }, [.directory, .fat, .fat], "both FAT copies, after")
    }
}
