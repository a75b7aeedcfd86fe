import XCTest
import Platform
import VirtIO
import Drivers

/// What the driver refuses, what the device reports, and a device gone wrong.
final class VirtioBlockErrorTests: XCTestCase {

    func testReadOnlyDiskRefusesChangesBeforeTheDeviceSeesThem() throws {
        var options = ModelBlockOptions()
        options.readOnly = true
        options.discard = (maximumSectors: 1024, maximumSegments: 1, alignment: 1)
        options.writeZeroes = (maximumSectors: 1024, maximumSegments: 1, mayUnmap: false)
        let s = try BlockSetup(options)
        XCTAssertTrue(s.disk.isReadOnly)
        let buffer = s.memory(4096)
        XCTAssertEqual(blockError { try s.write(0, blockData(4096, seed: 1)) }, .readOnly)
        XCTAssertEqual(blockError { _ = try s.disk.submit(.write(sector: 8, from: UnsafeRawBufferPointer(buffer))) }, .readOnly)
        XCTAssertEqual(blockError { try s.disk.discard(sector: 0, count: 8) }, .readOnly)
        XCTAssertEqual(blockError { try s.disk.writeZeroes(sector: 0, count: 8) }, .readOnly)
        XCTAssertEqual(s.disk.describe(.readOnly), "vda: the disk is read-only")
        XCTAssertEqual(s.device.queues[0].taken, 0, "the device never saw a request")
        XCTAssertEqual(s.device.queues[0].notifications, 0)
        XCTAssertEqual(s.backend.writesToReadOnlyDisk, 0)
        XCTAssertTrue(try s.read(0, 8) == s.onDisk(0, 8), "reading still works")
        s.assertNoViolations()
    }

    func testIOErrorsNameTheFailedSectors() throws {
        var options = ModelBlockOptions()
        options.sectors = 8192
        let s = try BlockSetup(options) {
            $0.faults = [ModelBlockFault(sectors: 2048..<2056, status: ModelBlockBackend.statusIOError)]
        }
        let read = try XCTUnwrap(blockError { _ = try s.read(2048, 8) })
        XCTAssertEqual(read, .ioError(operation: .read, sector: 2048, count: 8))
        XCTAssertEqual(s.disk.describe(read), "vda: I/O error reading sectors 2048–2055")
        let write = try XCTUnwrap(blockError { try s.write(2050, blockData(8 * 512, seed: 2)) })
        XCTAssertEqual(s.disk.describe(write), "vda: I/O error writing sectors 2050–2057")
        let one = try XCTUnwrap(blockError { _ = try s.read(2055, 1) })
        XCTAssertEqual(one.message, "I/O error reading sector 2055")

        // A 4 MiB read goes as four 1 MiB requests; only the one holding the bad
        // sectors fails, and the others' data still arrives.
        let buffer = s.memory(4 << 20)
        let big = try XCTUnwrap(blockError { try s.disk.read(sector: 0, count: 8192, into: buffer) })
        XCTAssertEqual(s.disk.describe(big), "vda: I/O error reading sectors 2048–4095")
        XCTAssertTrue(Array(buffer[0 ..< 1 << 20]) == s.onDisk(0, 2048))
        XCTAssertTrue(Array(buffer[2 << 20 ..< 4 << 20]) == s.onDisk(4096, 4096))
        XCTAssertTrue(try s.read(0, 8) == s.onDisk(0, 8), "the disk keeps working")
        XCTAssertFalse(s.disk.isBroken)
        s.assertNoViolations()
    }

    func testFailuresOfNeighbouringPiecesJoinIntoOneRange() throws {
        var options = ModelBlockOptions()
        options.sectors = 8192
        let s = try BlockSetup(options) {
            $0.faults = [ModelBlockFault(sectors: 2040..<2050, status: ModelBlockBackend.statusIOError)]
        }
        let buffer = s.memory(4 << 20)
        let error = blockError { try s.disk.read(sector: 0, count: 8192, into: buffer) }
        XCTAssertEqual(error, .ioError(operation: .read, sector: 0, count: 4096))
        XCTAssertEqual(s.disk.statistics.failedDeviceRequests, 2)
    }

    func testUnsupportedStatus() throws {
        let s = try BlockSetup {
            $0.faults = [ModelBlockFault(sectors: 0..<UInt64.max, status: ModelBlockBackend.statusUnsupported,
                                         types: [ModelBlockBackend.typeGetID]),
                         ModelBlockFault(sectors: 64..<72, status: ModelBlockBackend.statusUnsupported)]
        }
        XCTAssertEqual(blockError { _ = try s.disk.serialNumber() }, .unsupported(.getID))
        let error = try XCTUnwrap(blockError { _ = try s.read(64, 8) })
        XCTAssertEqual(error, .unsupported(.read))
        XCTAssertEqual(s.disk.describe(error), "vda: the device does not support read")
        XCTAssertTrue(try s.read(0, 8) == s.onDisk(0, 8))
        s.assertNoViolations()
    }

    func testAStatusByteOtherThanOKIOErrorOrUnsupportedIsAnError() throws {
        let s = try BlockSetup()
        s.backend.forcedStatus = 7
        let error = try XCTUnwrap(blockError { _ = try s.read(0, 8) })
        XCTAssertEqual(error, .badStatus(7, operation: .read, sector: 0, count: 8))
        XCTAssertEqual(s.disk.describe(error), "vda: the device answered unknown status 7 reading sectors 0–7")
        s.backend.forcedStatus = nil
        s.backend.skipsStatus = true
        XCTAssertEqual(blockError { _ = try s.read(8, 8) }, .badStatus(255, operation: .read, sector: 8, count: 8),
                       "a status the device never wrote")
        s.backend.skipsStatus = false
        XCTAssertTrue(try s.read(0, 8) == s.onDisk(0, 8), "a bad answer does not disable the disk")
    }

    func testFlushGoesToTheDeviceOnlyWhenOffered() throws {
        var options = ModelBlockOptions()
        options.flush = false
        let writeThrough = try BlockSetup(options)
        XCTAssertFalse(writeThrough.disk.supportsFlush)
        try writeThrough.disk.flush()
        XCTAssertEqual(blockError { _ = try writeThrough.disk.submit(.flush) }, .unsupported(.flush))
        XCTAssertEqual(writeThrough.backend.flushes, 0)
        XCTAssertEqual(writeThrough.device.queues[0].taken, 0, "the device never saw a flush")

        let s = try BlockSetup()
        try s.write(0, blockData(512, seed: 4))
        try s.disk.flush()
        XCTAssertEqual(s.backend.flushes, 1)
        XCTAssertEqual(s.backend.commands.last?.type, ModelBlockBackend.typeFlush)
        XCTAssertEqual(s.backend.commands.last?.dataSegmentLengths, [])
        s.backend.flushStatus = ModelBlockBackend.statusIOError
        let error = try XCTUnwrap(blockError { try s.disk.flush() })
        XCTAssertEqual(s.disk.describe(error), "vda: I/O error flushing the write cache")
        writeThrough.assertNoViolations()
        s.assertNoViolations()
    }

    func testDiscardRespectsTheDeviceLimits() throws {
        var options = ModelBlockOptions()
        options.discard = (maximumSectors: 64, maximumSegments: 4, alignment: 8)
        let s = try BlockSetup(options)
        try s.disk.discard(sector: 5, count: 1000)
        let ranges = s.backend.commands.flatMap(\.ranges)
        XCTAssertTrue(s.backend.commands.allSatisfy { $0.type == ModelBlockBackend.typeDiscard && $0.ranges.count <= 4 })
        XCTAssertEqual(s.backend.commands.count, 4, "16 pieces, four per request")
        XCTAssertTrue(ranges.allSatisfy { $0.count <= 64 && $0.flags == 0 })
        XCTAssertEqual(ranges.first?.sector, 5)
        XCTAssertTrue(ranges.dropFirst().allSatisfy { $0.sector % 64 == 0 }, "pieces start on aligned boundaries")
        var next: UInt64 = 5
        for range in ranges {
            XCTAssertEqual(range.sector, next)
            next += UInt64(range.count)
        }
        XCTAssertEqual(next, 1005, "the whole range, nothing more")
        XCTAssertTrue(s.onDisk(5, 1000).allSatisfy { $0 == 0 })
        XCTAssertFalse(s.onDisk(4, 1).allSatisfy { $0 == 0 } || s.onDisk(1005, 1).allSatisfy { $0 == 0 })
        s.assertNoViolations()
    }

    func testWriteZeroesRespectsLimitsAndUnmapPermission() throws {
        for mayUnmap in [false, true] {
            var options = ModelBlockOptions()
            options.writeZeroes = (maximumSectors: 128, maximumSegments: 1, mayUnmap: mayUnmap)
            let s = try BlockSetup(options)
            try s.disk.writeZeroes(sector: 2000, count: 300, mayUnmap: true)
            XCTAssertEqual(s.backend.commands.map(\.type), Array(repeating: ModelBlockBackend.typeWriteZeroes, count: 3))
            XCTAssertEqual(s.backend.commands.map(\.ranges.count), [1, 1, 1], "max_write_zeroes_seg is 1")
            let ranges = s.backend.commands.flatMap(\.ranges)
            XCTAssertEqual(ranges.map(\.count), [48, 128, 124])
            XCTAssertTrue(ranges.allSatisfy { $0.flags == (mayUnmap ? 1 : 0) }, "UNMAP only when the device allows it")
            XCTAssertTrue(s.onDisk(2000, 300).allSatisfy { $0 == 0 })
            s.assertNoViolations()
        }
    }

    func testDiscardAndWriteZeroesNeedTheirFeatures() throws {
        let s = try BlockSetup()
        XCTAssertEqual(blockError { try s.disk.discard(sector: 0, count: 8) }, .unsupported(.discard))
        XCTAssertEqual(blockError { try s.disk.writeZeroes(sector: 0, count: 8) }, .unsupported(.writeZeroes))
        XCTAssertEqual(BlockDriverError.unsupported(.writeZeroes).message, "the device does not support write-zeroes")
        XCTAssertEqual(s.device.queues[0].taken, 0)
    }

    func testRequestsOutsideTheDiskAreRefused() throws {
        let s = try BlockSetup()
        let error = try XCTUnwrap(blockError { _ = try s.read(4092, 8) })
        XCTAssertEqual(error, .outOfRange(sector: 4092, count: 8, capacity: 4096))
        XCTAssertEqual(s.disk.describe(error), "vda: sectors 4092–4099 lie beyond the end of the disk (4096 sectors)")
        XCTAssertEqual(blockError { _ = try s.read(.max, 1) }, .outOfRange(sector: .max, count: 1, capacity: 4096))
        XCTAssertTrue(try s.read(4088, 8) == s.onDisk(4088, 8), "the last sectors are fine")
        XCTAssertEqual(s.backend.commands.count, 1)
    }

    func testMalformedRequestsAreRefused() throws {
        let s = try BlockSetup()
        let buffer = s.memory(4096)
        XCTAssertEqual(blockError { _ = try s.disk.submit(.read(sector: 0, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<100]))) },
                       .invalidRequest("a read must be a whole number of 512-byte sectors, not 100 bytes"))
        XCTAssertEqual(blockError { _ = try s.disk.submit(.read(sector: 0, into: [UnsafeMutableRawBufferPointer]())) },
                       .invalidRequest("a read must be a whole number of 512-byte sectors, not 0 bytes"))
        XCTAssertEqual(blockError { try s.disk.read(sector: 0, count: 9, into: buffer) },
                       .invalidRequest("a 4096-byte buffer cannot hold 9 sectors"))
        XCTAssertEqual(blockError { _ = try s.disk.submit(.getID(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<10]))) },
                       .invalidRequest("get-id needs a 20-byte buffer, not 10 bytes"))
        XCTAssertEqual(s.device.queues[0].taken, 0)
    }

    // MARK: - A device gone wrong

    func testNonsenseInTheUsedRingFailsEveryOutstandingRequest() throws {
        for version: UInt32 in [1, 2] {
            for hostility in ModelHostility.allCases {
                let context = "v\(version) \(hostility)"
                var options = ModelBlockOptions()
                options.version = version
                // Without indirect descriptors a request spans several ring
                // descriptors, so every act (naming a non-head one too) is possible.
                let s = try BlockSetup(options, disabled: [.ringIndirectDescriptors])
                s.device.stalled = true
                var outcomes: [BlockRequestOutcome] = []
                var ids: [BlockRequestID] = []
                ids.append(try s.disk.submit(.read(sector: 0, into: s.memory(4096))))
                for index in 1...3 {
                    ids.append(try s.disk.submit(.read(sector: UInt64(index * 8), into: s.memory(4096))) { outcomes.append($1) })
                }
                let waiting = try s.disk.submit(.read(sector: 800, into: s.memory(4096)))
                s.platform.runDevices()
                s.device.hostility = hostility
                s.device.stalled = false
                let start = s.platform.clock
                let first = blockError { try s.disk.wait(ids[0]) }
                let last = blockError { try s.disk.wait(waiting) }
                XCTAssertTrue(s.disk.isBroken, context)
                let reason = s.disk.brokenReason ?? ""
                XCTAssertTrue(reason.hasPrefix("queue 0: "), context + ": " + reason)
                if hostility == .repeatedID {
                    XCTAssertNil(first, context + ": the honest first completion stands")
                } else {
                    XCTAssertEqual(first, .deviceBroken(reason), context)
                }
                XCTAssertEqual(last, .deviceBroken(reason), context)
                XCTAssertEqual(outcomes, Array(repeating: .failed(.deviceBroken(reason)), count: 3), context)
                XCTAssertEqual(blockError { _ = try s.read(0, 1) }, .deviceBroken(reason), context + ": later requests too")
                XCTAssertEqual(s.device.deviceStatus.rawValue, 0, context + ": the device was reset, it can no longer write")
                XCTAssertLessThan(s.platform.clock - start, 1_000_000_000, context + ": no waiting out a timeout")
                XCTAssertTrue(s.disk.describe(.deviceBroken(reason)).hasPrefix("vda: device disabled: queue 0: "), context)
                s.assertNoViolations(context)
            }
        }
    }

    func testARequestTheDeviceNeverAnswersTimesOut() throws {
        let s = try BlockSetup()
        s.disk.timeoutMilliseconds = 2_000
        s.device.stalled = true
        let start = s.platform.clock
        let error = try XCTUnwrap(blockError { _ = try s.read(0, 8) })
        XCTAssertEqual(error, .deviceBroken("no answer within 2000 ms"))
        XCTAssertEqual(s.disk.describe(error), "vda: device disabled: no answer within 2000 ms")
        XCTAssertGreaterThanOrEqual(s.platform.clock - start, 2_000_000_000)
        XCTAssertLessThan(s.platform.clock - start, 2_100_000_000)
        XCTAssertEqual(s.device.deviceStatus.rawValue, 0, "reset: the late answer can never land in freed memory")
        XCTAssertEqual(blockError { _ = try s.read(0, 8) }, error)
        XCTAssertEqual(blockError { try s.disk.flush() }, error)
    }

    func testTheWatchdogFailsRequestsNobodyWaitsFor() throws {
        let s = try BlockSetup()
        s.disk.timeoutMilliseconds = 5_000
        var outcome: BlockRequestOutcome? = nil
        s.disk.checkForTimeout()  // idle: nothing to time
        s.platform.clock += 60_000_000_000
        s.device.stalled = true
        _ = try s.disk.submit(.read(sector: 0, into: s.memory(512))) { outcome = $1 }
        s.disk.checkForTimeout()  // arms: one request in flight, no progress yet
        s.platform.clock += 4_000_000_000
        s.disk.checkForTimeout()
        XCTAssertNil(outcome, "4 s is within the timeout")
        s.platform.clock += 1_000_000_000
        s.disk.checkForTimeout()
        XCTAssertEqual(outcome, .failed(.deviceBroken("no answer within 5000 ms")))
        XCTAssertEqual(s.device.deviceStatus.rawValue, 0)
    }

    func testTheWatchdogLeavesAWorkingDeviceAlone() throws {
        let s = try BlockSetup()
        s.disk.timeoutMilliseconds = 5_000
        s.device.stalled = true
        var done = 0
        for index in 0..<3 { _ = try s.disk.submit(.read(sector: UInt64(index), into: s.memory(512))) { _, _ in done += 1 } }
        s.disk.checkForTimeout()
        s.platform.clock += 4_000_000_000
        s.device.completionBudget = 1
        s.device.stalled = false
        s.platform.runDevices()
        XCTAssertEqual(done, 1)
        s.disk.checkForTimeout()  // progress: the clock restarts
        s.platform.clock += 4_000_000_000
        s.disk.checkForTimeout()
        XCTAssertFalse(s.disk.isBroken, "slow, but answering")
        s.device.completionBudget = nil
        s.platform.runDevices()
        XCTAssertEqual(done, 3)
    }

    func testASlowButSteadyDeviceDoesNotTimeOut() throws {
        var options = ModelBlockOptions()
        options.queueSize = 2       // two requests at a time
        options.interrupt = nil     // each pair found by the 10 ms poll
        let s = try BlockSetup(options, maximumRequestBytes: 65536)
        s.disk.timeoutMilliseconds = 25
        let start = s.platform.clock
        XCTAssertTrue(try s.read(0, 1024) == s.onDisk(0, 1024), "eight requests, 40 ms, none waits 25 ms")
        XCTAssertGreaterThanOrEqual(s.platform.clock - start, 40_000_000)
        XCTAssertFalse(s.disk.isBroken)
        s.assertNoViolations()
    }

    func testDeviceNeedsResetFailsOutstandingRequests() throws {
        let s = try BlockSetup()
        s.device.stalled = true
        var outcome: BlockRequestOutcome? = nil
        _ = try s.disk.submit(.read(sector: 0, into: s.memory(512))) { outcome = $1 }
        s.device.signalNeedsReset()
        s.disk.handleInterrupt()
        XCTAssertEqual(outcome, .failed(.deviceBroken("the device asked to be reset (DEVICE_NEEDS_RESET)")))
        XCTAssertTrue(s.disk.isBroken)
    }

    func testAConfigurationChangeRereadsTheCapacity() throws {
        let s = try BlockSetup()
        s.device.setConfig64(8192, at: 0)
        s.device.raiseInterrupt(.configurationChange)
        s.disk.handleInterrupt()
        XCTAssertEqual(s.disk.capacity, 8192)
        XCTAssertFalse(s.disk.isBroken)
    }
}
