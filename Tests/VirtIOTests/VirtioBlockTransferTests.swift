import XCTest
import Platform
import VirtIO
@testable import Drivers

/// Large transfers, scatter lists, many requests in flight, out-of-order
/// completion, the backlog and merging.
final class VirtioBlockTransferTests: XCTestCase {

    func testLargeTransfersRespectSegMaxAndSizeMaxAndAreAllInFlight() throws {
        var options = ModelBlockOptions()
        options.sectors = 16384
        options.segMax = 8
        options.sizeMax = 65536
        let s = try BlockSetup(options)
        XCTAssertEqual(s.disk.maximumRequestSegments, 8)
        XCTAssertEqual(s.disk.maximumRequestBytes, 8 * 65536)
        // 4 MiB into a buffer that does not start on a page boundary.
        let allocation = s.memory(4 << 20 + 4096)
        let buffer = UnsafeMutableRawBufferPointer(rebasing: allocation[100 ..< 100 + (4 << 20)])
        s.device.stalled = true
        let id = try s.disk.submit(.read(sector: 0, into: buffer))
        s.platform.runDevices()
        XCTAssertEqual(s.device.queues[0].pending.count, 8, "eight 512 KiB requests in flight at once")
        XCTAssertEqual(s.disk.requestsInFlight, 8)
        s.device.stalled = false
        try s.disk.wait(id)
        XCTAssertTrue(Array(buffer) == s.onDisk(0, 8192), "4 MiB read intact")

        let data = blockData(4 << 20, seed: 77)
        buffer.copyBytes(from: data)
        try s.disk.write(sector: 8192, count: 8192, from: UnsafeRawBufferPointer(buffer))
        XCTAssertTrue(s.onDisk(8192, 8192) == data, "4 MiB written intact")

        XCTAssertEqual(s.backend.commands.count, 16)
        var next: UInt64 = 0
        for command in s.backend.commands {
            XCTAssertEqual(command.sector, next, "pieces in order, no gaps")
            XCTAssertLessThanOrEqual(command.dataSegmentLengths.count, 8, "SEG_MAX")
            XCTAssertLessThanOrEqual(command.dataSegmentLengths.max() ?? 0, 65536, "SIZE_MAX")
            XCTAssertTrue(command.indirect, "long chains go through indirect tables")
            next = command.sector + command.sectors
        }
        XCTAssertEqual(next, 16384)
        XCTAssertEqual(s.disk.statistics.mostInFlight, 8)
        s.assertNoViolations()
    }

    func testWithoutIndirectDescriptorsChainsUseTheRing() throws {
        var options = ModelBlockOptions()
        options.sectors = 8192
        options.segMax = 200
        options.sizeMax = 4096
        options.queueSize = 64
        let s = try BlockSetup(options, disabled: [.ringIndirectDescriptors])
        XCTAssertFalse(s.disk.queue.usesIndirect)
        XCTAssertEqual(s.disk.maximumRequestSegments, 62, "the ring's 64 descriptors, less header and status")
        let data = blockData(2 << 20, seed: 5)
        try s.write(0, data)
        XCTAssertTrue(try s.read(0, 4096) == data)
        for command in s.backend.commands {
            XCTAssertFalse(command.indirect)
            XCTAssertLessThanOrEqual(command.dataSegmentLengths.count, 62)
            XCTAssertLessThanOrEqual(command.dataSegmentLengths.max() ?? 0, 4096)
        }
        s.assertNoViolations()
    }

    func testRequestsAreAtMostOneMebibyteByDefault() throws {
        var options = ModelBlockOptions()
        options.sectors = 16384
        let s = try BlockSetup(options)
        let sectors = 3 * 2048 + 1
        XCTAssertTrue(try s.read(10, sectors) == s.onDisk(10, sectors))
        XCTAssertEqual(s.backend.commands.map(\.sectors), [2048, 2048, 2048, 1])
        XCTAssertEqual(s.backend.commands.map(\.sector), [10, 2058, 4106, 6154])
        XCTAssertEqual(s.backend.commands.map(\.dataSegmentLengths.count), [1, 1, 1, 1], "contiguous memory: one segment")
        XCTAssertEqual(s.disk.statistics.mostInFlight, 4)
        s.assertNoViolations()
    }

    func testScatterListsAreCutOnBlockBoundaries() throws {
        var options = ModelBlockOptions()
        options.segMax = 4
        let s = try BlockSetup(options)
        // Odd-sized buffers with gaps between them, so nothing coalesces.
        var sizes = [100, 700, 300, 1000, 36, 500, 412, 1024, 12, 2004, 48, 2000, 333, 19, 1]
        let total = sizes.reduce(0, +)
        sizes[sizes.count - 1] += (512 - total % 512) % 512
        let buffers = sizes.map { UnsafeMutableRawBufferPointer(rebasing: s.memory($0 + 64, alignment: 64)[0 ..< $0]) }
        let sectors = sizes.reduce(0, +) / 512
        let id = try s.disk.submit(.read(sector: 33, into: buffers))
        try s.disk.wait(id)
        XCTAssertTrue(buffers.flatMap { Array($0) } == s.onDisk(33, sectors), "the scatter list holds the sectors in order")
        for command in s.backend.commands {
            XCTAssertLessThanOrEqual(command.dataSegmentLengths.count, 4)
            XCTAssertEqual(command.dataBytes % 512, 0, "every request is whole sectors")
        }
        XCTAssertGreaterThan(s.backend.commands.count, 4)

        let data = blockData(sectors * 512, seed: 1)
        var position = 0
        for buffer in buffers {
            buffer.copyBytes(from: data[position ..< position + buffer.count])
            position += buffer.count
        }
        try s.disk.wait(s.disk.submit(.write(sector: 1000, from: buffers.map { UnsafeRawBufferPointer($0) })))
        XCTAssertTrue(s.onDisk(1000, sectors) == data)
        s.assertNoViolations()
    }

    func testManyRequestsInFlight() throws {
        let s = try BlockSetup()
        s.device.stalled = true
        var requests: [(BlockRequestID, UnsafeMutableRawBufferPointer, UInt64)] = []
        for index in 0..<64 {
            let buffer = s.memory(4096)
            let sector = UInt64(index * 16 + 3)
            requests.append((try s.disk.submit(.read(sector: sector, into: buffer)), buffer, sector))
        }
        s.platform.runDevices()
        XCTAssertEqual(s.device.queues[0].pending.count, 64, "the device holds all 64 at once")
        XCTAssertEqual(s.disk.requestsInFlight, 64)
        s.device.stalled = false
        for (id, buffer, sector) in requests {
            try s.disk.wait(id)
            XCTAssertTrue(Array(buffer) == s.onDisk(sector, 8), "sector \(sector)")
        }
        XCTAssertEqual(s.disk.statistics.mostInFlight, 64)
        s.assertNoViolations()
    }

    func testOutOfOrderCompletion() throws {
        for order in [ModelCompletionOrder.lifo, .shuffled(seed: 7)] {
            let s = try BlockSetup()
            s.device.completionOrder = order
            s.device.stalled = true
            var submitted: [BlockRequestID] = []
            var completed: [BlockRequestID] = []
            var buffers: [UnsafeMutableRawBufferPointer] = []
            for index in 0..<32 {
                let buffer = s.memory(1024)
                buffers.append(buffer)
                submitted.append(try s.disk.submit(.read(sector: UInt64(index * 7), into: buffer)) { id, outcome in
                    XCTAssertEqual(outcome, .succeeded)
                    completed.append(id)
                })
            }
            s.device.stalled = false
            s.platform.runDevices()
            XCTAssertEqual(completed.count, 32, "\(order)")
            XCTAssertNotEqual(completed, submitted, "\(order): completions came out of order")
            XCTAssertEqual(Set(completed.map(\.rawValue)), Set(submitted.map(\.rawValue)))
            for (index, buffer) in buffers.enumerated() {
                XCTAssertTrue(Array(buffer) == s.onDisk(UInt64(index * 7), 2), "\(order): request \(index)")
            }
            s.assertNoViolations()
        }
    }

    func testAFullQueueBacklogsAndMergesAdjacentWrites() throws {
        var options = ModelBlockOptions()
        options.queueSize = 8
        let s = try BlockSetup(options)
        XCTAssertEqual(s.disk.queue.size, 8)
        s.device.stalled = true
        let data = blockData(20 * 512, seed: 11)
        var ids: [BlockRequestID] = []
        for index in 0..<20 {
            let buffer = s.memory(512 + 64, alignment: 64)
            buffer.copyBytes(from: data[index * 512 ..< (index + 1) * 512])
            ids.append(try s.disk.submit(.write(sector: UInt64(index),
                                                from: UnsafeRawBufferPointer(rebasing: buffer[0..<512]))))
        }
        XCTAssertEqual(s.disk.requestsInFlight, 8, "submit never blocks: the queue holds 8")
        XCTAssertEqual(s.disk.requestsWaiting, 12, "the rest wait in the backlog")
        s.device.stalled = false
        for id in ids { try s.disk.wait(id) }
        XCTAssertTrue(s.onDisk(0, 20) == data)
        XCTAssertEqual(s.backend.commands.count, 9, "8 single writes, then the 12 waiting ones as one")
        XCTAssertEqual(s.backend.commands.last?.sector, 8)
        XCTAssertEqual(s.backend.commands.last?.sectors, 12)
        XCTAssertEqual(s.backend.commands.last?.dataSegmentLengths.count, 12)
        XCTAssertEqual(s.disk.statistics.mergedPieces, 11)
        XCTAssertEqual(s.disk.statistics.deviceRequests, 9)
        s.assertNoViolations()
    }

    func testPlugHoldsRequestsAndMergesConsecutiveSectors() throws {
        let s = try BlockSetup()
        let a = s.memory(4096), b = s.memory(4096), c = s.memory(4096)
        s.disk.plug()
        let first = try s.disk.submit(.read(sector: 0, into: a))
        let second = try s.disk.submit(.read(sector: 8, into: b))
        let apart = try s.disk.submit(.read(sector: 100, into: c))
        s.platform.runDevices()
        XCTAssertEqual(s.device.queues[0].notifications, 0, "nothing issued while plugged")
        XCTAssertEqual(s.disk.requestsWaiting, 3)
        s.disk.unplug()
        XCTAssertEqual(s.device.queues[0].notifications, 1, "one kick for the batch")
        for id in [first, second, apart] { try s.disk.wait(id) }
        XCTAssertTrue(Array(a) == s.onDisk(0, 8) && Array(b) == s.onDisk(8, 8) && Array(c) == s.onDisk(100, 8))
        XCTAssertEqual(s.backend.commands.map(\.sector), [0, 100])
        XCTAssertEqual(s.backend.commands.map(\.sectors), [16, 8], "0–7 and 8–15 went as one request")
        XCTAssertEqual(s.backend.commands.first?.dataSegmentLengths, [4096, 4096])
        XCTAssertEqual(s.disk.statistics.mergedPieces, 1)
        s.assertNoViolations()
    }

    func testWaitIssuesWhatAPlugHolds() throws {
        let s = try BlockSetup()
        let a = s.memory(512)
        s.disk.plug()
        let id = try s.disk.submit(.read(sector: 5, into: a))
        try s.disk.wait(id)
        XCTAssertTrue(Array(a) == s.onDisk(5, 1))
        s.disk.unplug()
        s.assertNoViolations()
    }

    func testFlushWaitsForEarlierWritesToComplete() throws {
        let s = try BlockSetup()
        s.device.stalled = true
        s.device.completionOrder = .lifo
        let a = s.memory(512), b = s.memory(512), c = s.memory(512)
        let writeA = try s.disk.submit(.write(sector: 0, from: UnsafeRawBufferPointer(a)))
        let writeB = try s.disk.submit(.write(sector: 50, from: UnsafeRawBufferPointer(b)))
        let flush = try s.disk.submit(.flush)
        let read = try s.disk.submit(.read(sector: 200, into: c))
        XCTAssertEqual(s.disk.requestsInFlight, 2, "the flush is held back while writes are in flight")
        XCTAssertEqual(s.disk.requestsWaiting, 2, "and what came after it waits behind it")
        s.platform.runDevices()
        s.device.stalled = false
        for id in [writeA, writeB, flush, read] { try s.disk.wait(id) }
        let types = s.backend.commands.map(\.type)
        let flushAt = try XCTUnwrap(types.firstIndex(of: ModelBlockBackend.typeFlush))
        XCTAssertEqual(types.prefix(2).filter { $0 == ModelBlockBackend.typeOut }.count, 2, "both writes done first")
        XCTAssertGreaterThanOrEqual(flushAt, 2)
        XCTAssertEqual(s.backend.flushes, 1)
        s.assertNoViolations()
    }

    // MARK: - The splitter on its own

    func testSplitterCutsAPartialBlockIntoTheNextPiece() throws {
        let platform = TestPlatform()
        func buffer(_ address: UInt, _ count: Int) -> BlockBuffer {
            BlockBuffer(address: UnsafeRawPointer(bitPattern: address), count: count)
        }
        let pieces = try XCTUnwrap(BlockTransferSplitter.split(
            [buffer(0x10000, 300), buffer(0x20000, 300), buffer(0x30000, 424)], platform: platform,
            blockBytes: 512, maximumBytes: 1 << 20, maximumSegments: 2, maximumSegmentBytes: .max))
        XCTAssertEqual(pieces, [[PhysicalSegment(address: 0x10000, length: 300), PhysicalSegment(address: 0x20000, length: 212)],
                                [PhysicalSegment(address: 0x20000 + 212, length: 88), PhysicalSegment(address: 0x30000, length: 424)]])
        XCTAssertNil(BlockTransferSplitter.split(
            [buffer(0x10000, 100), buffer(0x20000, 100), buffer(0x30000, 100), buffer(0x40000, 212)], platform: platform,
            blockBytes: 512, maximumBytes: 1 << 20, maximumSegments: 2, maximumSegmentBytes: .max),
            "one block over four buffers cannot be sent in two segments")
        let big = try XCTUnwrap(BlockTransferSplitter.split([buffer(0x100000, 3 << 20)], platform: platform, blockBytes: 512,
                                                             maximumBytes: 1 << 20, maximumSegments: 100,
                                                             maximumSegmentBytes: 65536))
        XCTAssertEqual(big.count, 3)
        XCTAssertTrue(big.allSatisfy { $0.count == 16 && $0.allSatisfy { $0.length == 65536 } })
        XCTAssertEqual(big[1].first?.address, 0x100000 + (1 << 20))
    }

    func testRangeSplitterAlignsPieceBoundaries() {
        let pieces = BlockTransferSplitter.splitRange(sector: 5, count: 300, maximumSectors: 70, alignment: 8, blockSectors: 1)
        XCTAssertEqual(pieces.map(\.sector), [5, 64, 128, 192, 256])
        XCTAssertEqual(pieces.map(\.count), [59, 64, 64, 64, 49])
        let whole = BlockTransferSplitter.splitRange(sector: 0, count: 1 << 40, maximumSectors: UInt64(UInt32.max),
                                                     alignment: 1, blockSectors: 8)
        XCTAssertEqual(whole.reduce(0) { $0 + $1.count }, 1 << 40)
        XCTAssertTrue(whole.allSatisfy { $0.count <= UInt64(UInt32.max) && $0.count % 8 == 0 })
    }
}
