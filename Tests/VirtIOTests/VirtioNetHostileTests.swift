import XCTest
import Platform
import VirtIO
import Drivers

/// virtio-net against a device that lies: malformed completions are dropped and
/// counted; nonsense in a used ring disables the driver; nothing traps.
final class VirtioNetHostileTests: XCTestCase {
    func testCompletionShorterThanTheHeaderIsDroppedAndCounted() throws {
        let f = try NetFixture()
        XCTAssertTrue(f.backend.injectRaw([UInt8](repeating: 0, count: 12), usedLength: 11))
        XCTAssertTrue(f.backend.injectRaw([UInt8](repeating: 0, count: 12), usedLength: 0))
        f.backend.inject(NetFixture.frame(60))
        f.net.handleInterrupt()
        XCTAssertEqual(f.net.statistics.receive.errors, 2)
        XCTAssertEqual(f.received.count, 1, "the good frame after them still arrives")
        XCTAssertEqual(f.backend.postedReceiveBuffers, 256, "dropped buffers are posted again")
        XCTAssertNil(f.net.brokenReason)
    }

    func testAbsurdBufferCountsAreDroppedAndCounted() throws {
        var options = ModelNetOptions()
        options.mergeable = true
        options.queueSize = 8
        let f = try NetFixture(options, receiveBuffers: 8)
        let header0 = f.backend.header(flags: 0, checksumStart: 0, checksumOffset: 0, buffers: 0)
        let header9 = f.backend.header(flags: 0, checksumStart: 0, checksumOffset: 0, buffers: 9)
        let headerMax = f.backend.header(flags: 0, checksumStart: 0, checksumOffset: 0, buffers: 0xffff)
        for header in [header0, header9, headerMax] {
            XCTAssertTrue(f.backend.injectRaw(header + NetFixture.frame(60), usedLength: UInt32(header.count + 60)))
        }
        f.net.handleInterrupt()
        XCTAssertEqual(f.net.statistics.receive.errors, 3)
        f.backend.inject(NetFixture.frame(60, seed: 1))
        f.net.handleInterrupt()
        XCTAssertTrue(f.received.map(\.frame) == [NetFixture.frame(60, seed: 1)], "a good frame still arrives")
        f.assertNoViolations()
    }

    func testMergedFrameLargerThanTheAssemblyAreaIsDropped() throws {
        var options = ModelNetOptions()
        options.mergeable = true
        let f = try NetFixture(options)
        let header = f.backend.header(flags: 0, checksumStart: 0, checksumOffset: 0, buffers: 10)
        XCTAssertTrue(f.backend.injectRaw(header, usedLength: 2048))
        for _ in 0..<9 { XCTAssertTrue(f.backend.injectRaw([], usedLength: 2048)) }
        f.net.handleInterrupt()
        XCTAssertEqual(f.net.statistics.receive.errors, 1)
        XCTAssertEqual(f.received.count, 0)
        f.backend.inject(NetFixture.frame(60))
        f.net.handleInterrupt()
        XCTAssertEqual(f.received.count, 1)
    }

    func testBadChecksumFieldsOnReceiveAreDropped() throws {
        let f = try NetFixture()
        f.backend.inject(NetFixture.frame(60), flags: VirtioNetHeader.flagNeedsChecksum, checksumStart: 59, checksumOffset: 0)
        f.backend.inject(NetFixture.frame(60), flags: VirtioNetHeader.flagNeedsChecksum, checksumStart: 0xffff,
                         checksumOffset: 0xffff)
        f.net.handleInterrupt()
        XCTAssertEqual(f.net.statistics.receive.errors, 2)
        XCTAssertEqual(f.received.count, 0)
    }

    func testEveryUsedRingHostilityDisablesTheDriverWithoutTrapping() throws {
        for hostility in ModelHostility.allCases {
            // Legacy without indirect descriptors: receive chains of two (header, data),
            // so a non-head descriptor exists; half the ring stays free.
            for version: UInt32 in [1, 2] where version == 1 || hostility != .nonHeadDescriptorID {
                var options = ModelNetOptions()
                options.version = version
                options.indirect = version == 2
                options.queueSize = 16
                let f = try NetFixture(options, receiveBuffers: 4, transmitBuffers: 4)
                f.device.hostility = hostility
                f.platform.runDevices()
                f.backend.inject(NetFixture.frame(60))
                f.settle()
                if hostility == .freeDescriptorID {
                    // The whole receive ring is posted, so the model names an in-flight
                    // head: an honest-looking, empty completion, dropped and counted.
                    XCTAssertNil(f.net.brokenReason)
                    XCTAssertEqual(f.net.statistics.receive.errors, 1)
                    XCTAssertEqual(f.received.count, 1, "the frame after it still arrives")
                    continue
                }
                XCTAssertNotNil(f.net.brokenReason, "\(hostility) on version \(version)")
                XCTAssertGreaterThan(f.device.resets, 1, "the device was reset so it stops touching buffers")
                guard case .deviceBroken? = netError({ try f.net.send(frame: NetFixture.frame(60)) }) else {
                    XCTFail("send after \(hostility) should fail with deviceBroken")
                    continue
                }
                XCTAssertNotNil(netError { try f.net.setPromiscuous(true) })
            }
        }
    }

    func testNonsenseOnTheTransmitQueueDisablesTheDriver() throws {
        let f = try NetFixture()
        try f.net.send(frame: NetFixture.frame(60))
        f.device.pushUsedRaw(1, id: 9999, length: 0)
        f.net.handleInterrupt()
        XCTAssertNotNil(f.net.brokenReason)
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60)) }, .deviceBroken(f.net.brokenReason ?? ""))
    }

    func testDeviceNeedsResetDisablesTheDriver() throws {
        let f = try NetFixture()
        f.device.signalNeedsReset()
        f.net.handleInterrupt()
        XCTAssertEqual(f.net.brokenReason, "the device asked to be reset (DEVICE_NEEDS_RESET)")
        XCTAssertEqual(netError { try f.net.send(frame: NetFixture.frame(60)) },
                       .deviceBroken("the device asked to be reset (DEVICE_NEEDS_RESET)"))
    }

    func testSetupFailsCleanlyWhenDMAMemoryRunsOut() throws {
        for allowed in 0..<6 {
            let platform = TestPlatform()
            let backend = ModelNetBackend(platform: platform)
            let transport = try platform.transport(at: slot31)
            platform.dmaAllocationsLeft = allowed
            var failed = false
            do {
                _ = try TestNet.create(platform: platform, transport: transport, interrupt: nil, fallbackMAC: [])
            } catch {
                failed = true
                XCTAssertTrue(error.message.hasPrefix("virtio-net: setup failed"), error.message)
            }
            if failed {
                XCTAssertEqual(platform.memory.liveBytes, 0, "memory leaked with \(allowed) allocations allowed")
                XCTAssertTrue(backend.device.deviceStatus.contains(.failed))
            }
        }
    }
}
