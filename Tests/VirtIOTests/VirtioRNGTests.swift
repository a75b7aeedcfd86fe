import XCTest
import Platform
import VirtIO
import Drivers

typealias TestRNG = VirtioRNG<TestPlatform, ModelTransport>

/// The virtio-rng driver against an entropy device model (type 4) that fills each
/// writable buffer with the next bytes of a known pattern.
final class VirtioRNGTests: XCTestCase {
    static let line = 48 + 31

    struct Setup {
        let platform: TestPlatform
        let device: ModelDevice
        let rng: TestRNG
    }

    func makeRNG(version: UInt32 = 2, offered: Features = [.ringIndirectDescriptors, .ringEventIndex],
                 disabled: Features = [], queueSize: Int = 8, interrupt: Int? = VirtioRNGTests.line,
                 deviceInterrupt: Int? = VirtioRNGTests.line, registerHandler: Bool = true,
                 requestSize: Int = 16384, requestsInFlight: Int = 4,
                 configure: (ModelDevice) -> Void = { _ in }) throws -> Setup {
        let platform = TestPlatform()
        var features = offered
        if version == 2 { features.insert(.version1) }
        let device = platform.addDevice(at: slot31, version: version, deviceID: DeviceType.entropy, features: features,
                                        queueSizes: [queueSize], interrupt: deviceInterrupt)
        configure(device)
        let transport = try platform.transport(at: slot31)
        let rng = try TestRNG(platform: platform, transport: transport, interrupt: interrupt, disabled: disabled,
                              requestSize: requestSize, requestsInFlight: requestsInFlight)
        if registerHandler, let interrupt {
            XCTAssertTrue(platform.registerInterrupt(interrupt) { [weak rng] in rng?.handleInterrupt() })
        }
        return Setup(platform: platform, device: device, rng: rng)
    }

    static func pattern(_ range: Range<Int>) -> [UInt8] { range.map { ModelDevice.patternByte(UInt64($0)) } }

    func read(_ rng: TestRNG, _ count: Int, timeoutMilliseconds: UInt64 = 10_000) throws(RNGError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var failure: RNGError? = nil
        bytes.withUnsafeMutableBytes { buffer in
            do throws(RNGError) {
                try rng.read(into: buffer, timeoutMilliseconds: timeoutMilliseconds)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    func readAvailable(_ rng: TestRNG, _ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { rng.readAvailable(into: $0) }
        return Array(bytes.prefix(got))
    }

    // MARK: - Reading

    func testReadsOneMebibyteInOrder() throws {
        let all: Features = [.ringIndirectDescriptors, .ringEventIndex]
        for version: UInt32 in [1, 2] {
            for disabled: Features in [[], [.ringEventIndex], [.ringIndirectDescriptors], all] {
                let context = "v\(version) disabled \(disabled.rawValue)"
                let s = try makeRNG(version: version, disabled: disabled)
                XCTAssertEqual(s.rng.features, all.subtracting(disabled).union(version == 2 ? .version1 : []), context)
                XCTAssertEqual(s.rng.queue.usesEventIndex, !disabled.contains(.ringEventIndex), context)
                let start = s.platform.clock
                let bytes = try read(s.rng, 1 << 20)
                XCTAssertTrue(bytes == VirtioRNGTests.pattern(0..<(1 << 20)), context + ": the device's bytes, in order")
                XCTAssertEqual(s.rng.bytesDelivered, 1 << 20, context)
                XCTAssertGreaterThan(s.rng.interruptsTaken, 0, context)
                XCTAssertEqual(s.rng.polledCompletions, 0, context)
                XCTAssertLessThan(s.platform.clock - start, 1_000_000_000, context + ": no waiting out deadlines")
                XCTAssertFalse(s.rng.queue.isBroken, context)
                XCTAssertEqual(s.device.queues[0].notifications, Int(s.rng.queue.statistics.kicks), context)
                XCTAssertTrue(s.device.deviceStatus.contains(.driverOK), context)
                XCTAssertEqual(s.device.violations, [], context)
            }
        }
    }

    func testSuccessiveReadsContinueTheStream() throws {
        let s = try makeRNG(requestSize: 512, requestsInFlight: 8)
        var position = 0
        for size in [1, 7, 511, 512, 513, 4000, 100_000, 3] {
            let bytes = try read(s.rng, size)
            XCTAssertTrue(bytes == VirtioRNGTests.pattern(position..<(position + size)), "read of \(size) at \(position)")
            position += size
        }
        XCTAssertEqual(s.device.violations, [])
    }

    func testPollingWithoutAnInterrupt() throws {
        let s = try makeRNG(interrupt: nil, deviceInterrupt: nil)
        s.platform.devicesRunOnClockRead = true
        s.platform.nanosecondsPerClockRead = 1_000
        let bytes = try read(s.rng, 256 << 10)
        XCTAssertTrue(bytes == VirtioRNGTests.pattern(0..<(256 << 10)))
        XCTAssertGreaterThan(s.rng.polledCompletions, 0)
        XCTAssertEqual(s.device.violations, [])
    }

    func testAnInterruptThatNeverComesIsPolledEvery10ms() throws {
        // The driver was told interrupt 79, but the device's line is not wired.
        let s = try makeRNG(deviceInterrupt: nil)
        let start = s.platform.clock
        let bytes = try read(s.rng, 128 << 10)
        XCTAssertTrue(bytes == VirtioRNGTests.pattern(0..<(128 << 10)))
        XCTAssertGreaterThan(s.rng.polledCompletions, 0)
        XCTAssertEqual(s.rng.interruptsTaken, 0)
        XCTAssertLessThanOrEqual(s.platform.clock - start, 8 * 10_000_000 + 1_000_000, "one 10 ms poll per 4 buffers")
    }

    func testReadAvailableNeverBlocks() throws {
        let s = try makeRNG { $0.stalled = true }
        let clock = s.platform.clock
        XCTAssertEqual(readAvailable(s.rng, 64), [])
        XCTAssertEqual(s.platform.waits, 0)
        XCTAssertEqual(s.platform.clock, clock)
        XCTAssertEqual(s.device.queues[0].notifications, 1, "the requests were handed over at start")

        s.device.stalled = false
        s.platform.runDevices()  // the device completes; its interrupt handler collects
        XCTAssertEqual(s.rng.bytesReady, 4 * 16384)
        XCTAssertEqual(readAvailable(s.rng, 100), VirtioRNGTests.pattern(0..<100))
        XCTAssertEqual(s.rng.bytesReady, 4 * 16384 - 100)
        let rest = readAvailable(s.rng, 1 << 20)
        XCTAssertEqual(rest.count, 4 * 16384 - 100, "only what is ready")
        XCTAssertTrue(rest == VirtioRNGTests.pattern(100..<(4 * 16384)))
        XCTAssertEqual(readAvailable(s.rng, 10), [], "the device has not answered the refill yet")
        XCTAssertEqual(s.rng.queue.outstandingRequests, 4, "all four buffers are back with the device")
        XCTAssertEqual(s.platform.waits, 0)
        XCTAssertEqual(s.device.violations, [])
    }

    // MARK: - Faults

    func testAStalledDeviceTimesOut() throws {
        for version: UInt32 in [1, 2] {
            let s = try makeRNG(version: version) { $0.stalled = true }
            let start = s.platform.clock
            XCTAssertThrowsError(try read(s.rng, 1024, timeoutMilliseconds: 2000)) { error in
                XCTAssertEqual(error as? RNGError, .timeout(milliseconds: 2000, received: 0))
            }
            let waited = s.platform.clock - start
            XCTAssertGreaterThanOrEqual(waited, 2_000_000_000)
            XCTAssertLessThan(waited, 2_020_000_000, "gives up at the deadline")
            XCTAssertEqual(s.device.queues[0].taken, 4, "the device did receive the requests")
            XCTAssertTrue(RNGError.timeout(milliseconds: 2000, received: 0).message.contains("timed out after 2000 ms"))
        }
    }

    /// Ctrl-C ends a cancellable read of a stalled device at once, with what
    /// arrived; a read that is not cancellable waits on to its timeout.
    func testCtrlCEndsACancellableReadOfAStalledDevice() throws {
        let s = try makeRNG { $0.completionBudget = 1 }
        s.platform.cancelAfterWaits = 3
        let start = s.platform.clock
        var bytes = [UInt8](repeating: 0, count: 64 << 10)
        var failure: RNGError? = nil
        bytes.withUnsafeMutableBytes { buffer in
            do throws(RNGError) {
                try s.rng.read(into: buffer, timeoutMilliseconds: 2000, cancellable: true)
            } catch {
                failure = error
            }
        }
        XCTAssertEqual(failure, .interrupted(received: 16384))
        XCTAssertLessThan(s.platform.clock - start, 100_000_000, "it did not wait for the timeout")
        XCTAssertTrue(RNGError.interrupted(received: 5).message.contains("interrupted"))
        s.platform.cancelAfterWaits = 0
        XCTAssertThrowsError(try read(s.rng, 64 << 10, timeoutMilliseconds: 300)) { error in
            XCTAssertEqual(error as? RNGError, .timeout(milliseconds: 300, received: 0))
        }
    }

    func testADeviceThatStallsMidwayReportsWhatArrived() throws {
        let s = try makeRNG { $0.completionBudget = 1 }
        XCTAssertThrowsError(try read(s.rng, 64 << 10, timeoutMilliseconds: 500)) { error in
            XCTAssertEqual(error as? RNGError, .timeout(milliseconds: 500, received: 16384))
        }
        XCTAssertEqual(s.rng.bytesDelivered, 16384)
    }

    func testAHostileDeviceIsReportedNotBelieved() throws {
        let acts: [ModelHostility] = [.outOfRangeID, .freeDescriptorID, .repeatedID, .overlongLength, .indexJump, .indexBackwards]
        for version: UInt32 in [1, 2] {
            for act in acts {
                let context = "\(act) v\(version)"
                let s = try makeRNG(version: version) { $0.hostility = act }
                XCTAssertThrowsError(try read(s.rng, 1 << 20, timeoutMilliseconds: 5000), context) { error in
                    guard case .deviceBroken(let reason)? = error as? RNGError else {
                        return XCTFail(context + ": expected deviceBroken, got \(error)")
                    }
                    XCTAssertTrue(reason.hasPrefix("queue 0: "), context + ": " + reason)
                    XCTAssertTrue(RNGError.deviceBroken(reason).message.hasPrefix("virtio-rng: device disabled: "))
                }
                XCTAssertTrue(s.rng.queue.isBroken, context)
                // A read gives up as soon as the queue is broken, even with honest
                // bytes (repeatedID: the first entry's) still in the pool.
                XCTAssertEqual(s.rng.bytesDelivered, 0, context)
                // Afterwards: no crash, at most what arrived before the nonsense, then nothing.
                let leftover = readAvailable(s.rng, 1 << 20)
                XCTAssertEqual(leftover.count, act == .repeatedID ? 16384 : 0, context)
                XCTAssertTrue(leftover == VirtioRNGTests.pattern(0..<leftover.count), context)
                XCTAssertEqual(readAvailable(s.rng, 16), [], context)
                XCTAssertThrowsError(try read(s.rng, 1, timeoutMilliseconds: 10), context)
                XCTAssertEqual(s.device.violations, [], context)
            }
        }
    }

    // MARK: - Initialisation

    func testInitialisationFailures() throws {
        let platform = TestPlatform()
        let old = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy, features: [.ringEventIndex])
        let noQueue = platform.addDevice(at: 0x2000, version: 2, deviceID: DeviceType.entropy, features: [.version1], queueSizes: [])
        XCTAssertThrowsError(try TestRNG(platform: platform, transport: platform.transport(at: 0x1000), interrupt: nil)) {
            XCTAssertEqual($0 as? VirtioError, .missingVersion1)
        }
        XCTAssertTrue(old.deviceStatus.contains(.failed))
        XCTAssertThrowsError(try TestRNG(platform: platform, transport: platform.transport(at: 0x2000), interrupt: nil)) {
            XCTAssertEqual($0 as? VirtioError, .queueUnavailable(index: 0))
        }
        XCTAssertTrue(noQueue.deviceStatus.contains(.failed))
        XCTAssertEqual(platform.memory.liveBytes, 0)
    }

    func testOutOfDMAMemoryDuringInitialisationLeaksNothing() throws {
        // Ring, indirect tables, then 4 buffers: fail at each allocation in turn.
        for allowed in 0..<6 {
            let platform = TestPlatform()
            let device = platform.addDevice(at: slot31, version: 2, deviceID: DeviceType.entropy,
                                            features: [.version1, .ringIndirectDescriptors], queueSizes: [8])
            platform.dmaAllocationsLeft = allowed
            XCTAssertThrowsError(try TestRNG(platform: platform, transport: platform.transport(at: slot31), interrupt: nil),
                                 "\(allowed) allocations") {
                XCTAssertEqual($0 as? VirtioError, .outOfMemory)
            }
            XCTAssertTrue(device.deviceStatus.contains(.failed), "\(allowed)")
            XCTAssertFalse(device.deviceStatus.contains(.driverOK), "\(allowed)")
            XCTAssertEqual(platform.memory.liveBytes, 0, "\(allowed) allocations: everything given back")
            XCTAssertEqual(platform.memory.doubleFrees, 0)
            XCTAssertEqual(device.violations, [], "\(allowed)")
        }
    }
}
