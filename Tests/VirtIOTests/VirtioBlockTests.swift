import XCTest
import Platform
import VirtIO
@testable import Drivers

typealias TestBlock = VirtioBlock<TestPlatform, ModelTransport>

/// A virtio-blk driver on a model block device, with its interrupt wired.
struct BlockSetup {
    static let line = 48 + 31
    let platform: TestPlatform
    let backend: ModelBlockBackend
    let disk: TestBlock
    var device: ModelDevice { backend.device }

    init(_ options: ModelBlockOptions = ModelBlockOptions(), platform: TestPlatform = TestPlatform(), at base: UInt64 = slot31,
         name: String = "vda", disabled: Features = [], interrupt: Int? = BlockSetup.line, registerHandler: Bool = true,
         maximumQueueSize: Int = 128, maximumRequestBytes: Int = 1 << 20,
         configure: (ModelBlockBackend) -> Void = { _ in }) throws {
        self.platform = platform
        backend = ModelBlockBackend(platform: platform, at: base, options: options)
        configure(backend)
        let transport = try platform.transport(at: base)
        disk = try TestBlock.create(platform: platform, transport: transport, interrupt: interrupt, name: name,
                                    disabled: disabled, maximumQueueSize: maximumQueueSize,
                                    maximumRequestBytes: maximumRequestBytes)
        if registerHandler, let interrupt {
            XCTAssertTrue(platform.registerInterrupt(interrupt) { [weak disk] in disk?.handleInterrupt() })
        }
    }

    /// Zeroed DMA memory (the model only accepts buffers in guest memory).
    func memory(_ bytes: Int, alignment: Int = 4096) -> UnsafeMutableRawBufferPointer {
        guard let buffer = platform.allocateDMA(size: bytes, alignment: alignment) else { fatalError("test DMA exhausted") }
        return UnsafeMutableRawBufferPointer(start: buffer.pointer, count: bytes)
    }

    func release(_ buffer: UnsafeMutableRawBufferPointer) {
        platform.freeDMA(DMABuffer(pointer: buffer.baseAddress!, physicalAddress: 0, size: buffer.count))
    }

    func read(_ sector: UInt64, _ count: Int) throws(BlockDriverError) -> [UInt8] {
        let buffer = memory(max(count, 1) * 512)
        defer { release(buffer) }
        try disk.read(sector: sector, count: count, into: buffer)
        return Array(buffer.prefix(count * 512))
    }

    func write(_ sector: UInt64, _ bytes: [UInt8]) throws(BlockDriverError) {
        let buffer = memory(max(bytes.count, 1))
        defer { release(buffer) }
        buffer.copyBytes(from: bytes)
        try disk.write(sector: sector, count: bytes.count / 512, from: UnsafeRawBufferPointer(buffer))
    }

    /// The model's disk contents.
    func onDisk(_ sector: UInt64, _ count: Int) -> [UInt8] { backend.sectors(sector, count) }

    func assertNoViolations(_ context: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(device.violations, [], context, file: file, line: line)
    }
}

/// The error `body` throws (nil if it succeeds).
/// (Untyped: closures do not infer a typed `throws` on this toolchain.)
func blockError(_ body: () throws -> Void) -> BlockDriverError? {
    do {
        try body()
        return nil
    } catch let error as BlockDriverError {
        return error
    } catch {
        return .invalidRequest("not a BlockDriverError: \(error)")
    }
}

/// Bytes that differ from the disk's initial pattern.
func blockData(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed } }

/// The virtio-blk driver: set-up, configuration and plain round trips.
final class VirtioBlockTests: XCTestCase {

    func testNegotiatesFeaturesAndReadsTheConfiguration() throws {
        var options = ModelBlockOptions()
        options.sectors = 8192
        options.sizeMax = 65536
        options.segMax = 30
        options.blockSize = 512
        options.topology = (physicalBlockExponent: 3, alignmentOffset: 0, minimumIOSize: 8, optimalIOSize: 256)
        options.discard = (maximumSectors: 2048, maximumSegments: 2, alignment: 8)
        options.writeZeroes = (maximumSectors: 4096, maximumSegments: 1, mayUnmap: true)
        let s = try BlockSetup(options)
        let expected: Features = [.blockSizeMax, .blockSegmentMax, .blockBlockSize, .blockTopology, .blockFlush,
                                  .blockDiscard, .blockWriteZeroes, .ringIndirectDescriptors, .ringEventIndex, .version1]
        XCTAssertEqual(s.disk.features, expected)
        XCTAssertEqual(s.device.negotiated, expected.rawValue, "the device saw the same features")
        let c = s.disk.configuration
        XCTAssertEqual(c.capacity, 8192)
        XCTAssertEqual(s.disk.capacity, 8192)
        XCTAssertEqual(c.sizeMax, 65536)
        XCTAssertEqual(c.segMax, 30)
        XCTAssertEqual(s.disk.blockSize, 512)
        XCTAssertEqual(c.topology, BlockTopology(physicalBlockExponent: 3, alignmentOffset: 0, minimumIOSize: 8, optimalIOSize: 256))
        XCTAssertEqual(c.discard, BlockDiscardLimits(maximumSectors: 2048, maximumSegments: 2, sectorAlignment: 8))
        XCTAssertEqual(c.writeZeroes, BlockWriteZeroesLimits(maximumSectors: 4096, maximumSegments: 1, mayUnmap: true))
        XCTAssertFalse(s.disk.isReadOnly)
        XCTAssertTrue(s.disk.supportsFlush && s.disk.supportsDiscard && s.disk.supportsWriteZeroes)
        XCTAssertEqual(s.disk.maximumRequestSegments, 30)
        XCTAssertEqual(s.disk.maximumRequestBytes, 1 << 20, "30 × 64 KiB allows the whole 1 MiB")
        XCTAssertTrue(s.device.deviceStatus.contains(.driverOK))
        s.assertNoViolations()
    }

    func testNonsenseConfigurationFallsBackToSafeValues() throws {
        var options = ModelBlockOptions()
        options.blockSize = 1000          // not a power of two
        options.segMax = 0                // would allow no data at all
        options.discard = (maximumSectors: 0, maximumSegments: 0, alignment: 0)
        let s = try BlockSetup(options)
        XCTAssertEqual(s.disk.blockSize, 512)
        XCTAssertEqual(s.disk.maximumRequestSegments, 1)
        XCTAssertEqual(s.disk.configuration.discard, BlockDiscardLimits(maximumSectors: .max, maximumSegments: 1, sectorAlignment: 1))
        XCTAssertTrue(try s.read(8, 16) == s.onDisk(8, 16), "a one-segment-per-request disk still reads")
        s.assertNoViolations()
    }

    func testRoundTripsOnLegacyAndModernTransports() throws {
        let ring: Features = [.ringIndirectDescriptors, .ringEventIndex]
        for version: UInt32 in [1, 2] {
            for disabled: Features in [[], [.ringIndirectDescriptors], [.ringEventIndex], ring] {
                let context = "v\(version) without \(disabled.names(deviceType: DeviceType.block))"
                var options = ModelBlockOptions()
                options.version = version
                let s = try BlockSetup(options, disabled: disabled)
                XCTAssertEqual(s.disk.features.contains(.version1), version == 2, context)
                XCTAssertEqual(s.disk.queue.usesIndirect, !disabled.contains(.ringIndirectDescriptors), context)
                XCTAssertEqual(s.disk.queue.usesEventIndex, !disabled.contains(.ringEventIndex), context)
                let data = blockData(8 * 512, seed: UInt8(version))
                try s.write(100, data)
                XCTAssertTrue(s.onDisk(100, 8) == data, context + ": the write reached the disk")
                XCTAssertTrue(try s.read(100, 8) == data, context + ": and reads back")
                XCTAssertTrue(try s.read(90, 10) == s.onDisk(90, 10), context + ": neighbours untouched")
                XCTAssertTrue(try s.read(0, 1) == (0..<512).map { ModelDevice.patternByte(UInt64($0)) }, context)
                XCTAssertGreaterThan(s.disk.statistics.interrupts, 0, context)
                XCTAssertEqual(s.disk.statistics.polledCompletions, 0, context)
                XCTAssertEqual(s.disk.statistics.sectorsWritten, 8, context)
                XCTAssertEqual(s.disk.statistics.sectorsRead, 19, context)
                XCTAssertEqual(s.device.queues[0].notifications, Int(s.disk.queue.statistics.kicks), context)
                s.assertNoViolations(context)
            }
        }
    }

    func testSerialNumber() throws {
        var options = ModelBlockOptions()
        options.serial = "QM00001"
        XCTAssertEqual(try BlockSetup(options).disk.serialNumber(), "QM00001")
        options.serial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  // longer than 20: no terminating NUL
        let s = try BlockSetup(options)
        XCTAssertEqual(try s.disk.serialNumber(), "ABCDEFGHIJKLMNOPQRST")
        XCTAssertEqual(s.backend.commands.last?.type, ModelBlockBackend.typeGetID)
        s.assertNoViolations()
    }

    func testLogicalBlockSizeIsRespected() throws {
        var options = ModelBlockOptions()
        options.blockSize = 4096
        let s = try BlockSetup(options)
        XCTAssertEqual(s.disk.blockSize, 4096)
        let data = blockData(16 * 512, seed: 9)
        try s.write(8, data)
        XCTAssertTrue(try s.read(8, 16) == data)
        let error = blockError { _ = try s.read(3, 8) }
        XCTAssertEqual(error, .invalidRequest("sectors 3–10 are not aligned to the 4096-byte block size"))
        XCTAssertEqual(blockError { _ = try s.read(8, 4) }.map { s.disk.describe($0) },
                       "vda: sectors 8–11 are not aligned to the 4096-byte block size")
        XCTAssertEqual(s.backend.commands.count, 2, "the misaligned requests never reached the device")
        s.assertNoViolations()
    }

    func testPollsWhenThereIsNoInterrupt() throws {
        var options = ModelBlockOptions()
        options.interrupt = nil
        let s = try BlockSetup(options, interrupt: nil)
        s.platform.devicesRunOnClockRead = true
        s.platform.nanosecondsPerClockRead = 1_000
        let data = blockData(64 * 512, seed: 3)
        try s.write(64, data)
        XCTAssertTrue(try s.read(64, 64) == data)
        XCTAssertEqual(s.disk.statistics.interrupts, 0)
        XCTAssertEqual(s.platform.waits, 0, "nothing to wait for without an interrupt")
        s.assertNoViolations()
    }

    func testAnInterruptThatNeverComesIsPolledEvery10ms() throws {
        var options = ModelBlockOptions()
        options.interrupt = nil  // the driver is told 79, but the device's line is not wired
        let s = try BlockSetup(options)
        let start = s.platform.clock
        XCTAssertTrue(try s.read(0, 32) == s.onDisk(0, 32))
        XCTAssertEqual(s.disk.statistics.interrupts, 0)
        XCTAssertEqual(s.disk.statistics.polledCompletions, 1)
        XCTAssertLessThanOrEqual(s.platform.clock - start, 10_000_000 + 1_000_000, "found by the first 10 ms poll")
        s.assertNoViolations()
    }

    func testCompletionHandlersResultAndIsComplete() throws {
        let s = try BlockSetup()
        let a = s.memory(4096), b = s.memory(4096)
        s.device.stalled = true
        var finished: [(BlockRequestID, BlockRequestOutcome)] = []
        let withHandler = try s.disk.submit(.read(sector: 16, into: a)) { finished.append(($0, $1)) }
        let plain = try s.disk.submit(.read(sector: 24, into: b))
        XCTAssertNotEqual(withHandler, plain)
        XCTAssertFalse(s.disk.isComplete(withHandler))
        XCTAssertFalse(s.disk.isComplete(plain))
        XCTAssertNil(s.disk.result(plain), "still pending")
        XCTAssertEqual(s.disk.requestsInFlight, 2)

        s.device.stalled = false
        s.platform.runDevices()  // the device finishes; its interrupt runs the driver's handler
        XCTAssertEqual(finished.count, 1)
        XCTAssertEqual(finished.first?.0, withHandler)
        XCTAssertEqual(finished.first?.1, .succeeded)
        XCTAssertTrue(Array(a) == s.onDisk(16, 8))
        XCTAssertTrue(s.disk.isComplete(withHandler))
        XCTAssertEqual(s.disk.result(withHandler), .failed(.unknownRequest), "a handler's request is forgotten once it ran")
        XCTAssertTrue(s.disk.isComplete(plain))
        XCTAssertEqual(s.disk.result(plain), .succeeded)
        XCTAssertTrue(Array(b) == s.onDisk(24, 8))
        XCTAssertEqual(s.disk.result(plain), .failed(.unknownRequest), "collected once")
        XCTAssertEqual(blockError { try s.disk.wait(plain) }, .unknownRequest)
        XCTAssertEqual(s.disk.requestsInFlight, 0)
        s.assertNoViolations()
    }

    func testWaitOnARequestWithAHandlerReportsItsOutcomeToo() throws {
        let s = try BlockSetup { $0.faults = [ModelBlockFault(sectors: 40..<41, status: ModelBlockBackend.statusIOError)] }
        let buffer = s.memory(4096)
        var outcomes: [BlockRequestOutcome] = []
        let id = try s.disk.submit(.read(sector: 40, into: buffer)) { outcomes.append($1) }
        XCTAssertEqual(blockError { try s.disk.wait(id) }, .ioError(operation: .read, sector: 40, count: 8))
        XCTAssertEqual(outcomes, [.failed(.ioError(operation: .read, sector: 40, count: 8))])
    }

    func testSeveralDisksAtOnce() throws {
        let platform = TestPlatform()
        var first = ModelBlockOptions()
        first.interrupt = 48 + 31
        var second = ModelBlockOptions()
        second.interrupt = 48 + 30
        second.sectors = 1024
        let vda = try BlockSetup(first, platform: platform, at: slot31, name: "vda", interrupt: 48 + 31)
        let vdb = try BlockSetup(second, platform: platform, at: slot31 - 0x200, name: "vdb", interrupt: 48 + 30) {
            $0.faults = [ModelBlockFault(sectors: 0..<8, status: ModelBlockBackend.statusIOError)]
        }
        XCTAssertEqual(vdb.disk.capacity, 1024)
        let one = blockData(4096, seed: 1), two = blockData(4096, seed: 2)
        try vda.write(0, one)
        try vdb.write(64, two)
        XCTAssertTrue(vda.onDisk(0, 8) == one)
        XCTAssertTrue(vdb.onDisk(64, 8) == two)
        XCTAssertTrue(vdb.onDisk(0, 8) == (0..<4096).map { ModelDevice.patternByte(UInt64($0)) }, "vdb's sector 0 untouched")
        XCTAssertTrue(try vdb.read(64, 8) == two)
        let error = try XCTUnwrap(blockError { _ = try vdb.read(0, 8) })
        XCTAssertEqual(vdb.disk.describe(error), "vdb: I/O error reading sectors 0–7")
        XCTAssertTrue(try vda.read(0, 8) == one, "vda unaffected by vdb's error")
        vda.assertNoViolations()
        vdb.assertNoViolations()
    }
}
