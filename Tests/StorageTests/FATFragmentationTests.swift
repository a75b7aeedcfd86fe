import XCTest
@testable import Storage

/// Number of physically contiguous runs in a file's cluster chain.
func extents(_ volume: FATVolume<RAMDisk>, _ path: String) throws -> Int {
    var cluster = try volume.info(path).firstCluster
    guard cluster != 0 else { return 0 }
    var runs = 1
    while let next = try volume.nextCluster(after: cluster) {
        if next != cluster + 1 { runs += 1 }
        cluster = next
    }
    return runs
}

final class FATFragmentationTests: XCTestCase {
    func testFragmentedFilesReadBackIntact() throws {
        let (disk, volume) = try makeVolume(kind: .fat16, sectors: 32_768, sectorsPerCluster: 1)
        // Grow 20 files a cluster at a time in turn: their clusters interleave.
        var contents = [[UInt8]](repeating: [], count: 20)
        for round in 0 ..< 6 {
            for index in 0 ..< 20 {
                let piece = pattern(512, seed: round * 100 + index)
                try volume.append("/file\(index)", piece)
                contents[index] += piece
            }
        }
        XCTAssertEqual(try extents(volume, "/file3"), 6)
        for index in stride(from: 0, to: 20, by: 2) { try volume.remove("/file\(index)") }
        // After a remount the allocator starts at the first hole, so a big file
        // fills the 60 freed clusters (10 runs) before fresh space.
        let again = try remount(volume, disk)
        let big = pattern(100 * 512 + 99, seed: 4242)
        try again.writeFile("/big.bin", big)
        XCTAssertGreaterThanOrEqual(try extents(again, "/big.bin"), 10)
        XCTAssertTrue(try again.readFile("/big.bin") == big, "fragmented file")
        for index in stride(from: 1, to: 20, by: 2) {
            XCTAssertTrue(try again.readFile("/file\(index)") == contents[index], "file\(index)")
        }
        // Reading in odd-sized pieces crosses every fragment boundary.
        var assembled: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 777)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try again.read("/big.bin", offset: UInt64(assembled.count), into: $0) }
            if n == 0 { break }
            assembled += buffer[0 ..< n]
        }
        XCTAssertTrue(assembled == big, "piecewise read")
        XCTAssertTrue(try remount(again, disk).readFile("/big.bin") == big)
    }

    func testAllocationKeepsGrowingFilesContiguous() throws {
        let (_, volume) = try makeVolume(kind: .fat32, sectors: 70_000)
        try volume.writeFile("/one.bin", pattern(200_000))
        XCTAssertEqual(try extents(volume, "/one.bin"), 1)
        for round in 0 ..< 10 { try volume.append("/log", pattern(3000, seed: round)) }
        XCTAssertEqual(try extents(volume, "/log"), 1, "appends continue right after the last cluster")
    }
}
