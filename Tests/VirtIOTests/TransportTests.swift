import XCTest
import Platform
import VirtIO

/// MMIOTransport and DeviceInitialization against the register-file model, both
/// register layouts.
final class TransportTests: XCTestCase {

    // MARK: - Probing

    func testProbeReadsIdentityOfBothVersions() throws {
        let platform = TestPlatform()
        let legacy = platform.addDevice(at: 0x1000, version: 1, deviceID: DeviceType.block)
        legacy.vendorID = 0x1234_5678
        platform.addDevice(at: 0x2000, version: 2, deviceID: DeviceType.gpu)
        let v1 = try platform.transport(at: 0x1000)
        XCTAssertEqual(v1.version, 1)
        XCTAssertTrue(v1.isLegacy)
        XCTAssertEqual(v1.deviceType, DeviceType.block)
        XCTAssertEqual(v1.vendorID, 0x1234_5678)
        let v2 = try platform.transport(at: 0x2000)
        XCTAssertEqual(v2.version, 2)
        XCTAssertFalse(v2.isLegacy)
        XCTAssertEqual(v2.deviceType, DeviceType.gpu)
        XCTAssertEqual(v2.vendorID, 0x554d_4551)
        XCTAssertEqual(legacy.violations, [])
    }

    func testProbeEmptySlotIsNoDevice() {
        let platform = TestPlatform()
        platform.addDevice(at: 0x1000, version: 1, deviceID: 0)
        platform.addDevice(at: 0x2000, version: 2, deviceID: 0)
        XCTAssertThrowsVirtioError(.noDevice) { () throws(VirtioError) in try platform.transport(at: 0x1000) }
        XCTAssertThrowsVirtioError(.noDevice) { () throws(VirtioError) in try platform.transport(at: 0x2000) }
    }

    func testProbeBadMagic() {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, deviceID: DeviceType.entropy)
        device.magic = 0xdead_beef
        XCTAssertThrowsVirtioError(.badMagic(0xdead_beef)) { () throws(VirtioError) in try platform.transport(at: 0x1000) }
        XCTAssertTrue(VirtioError.badMagic(0xdead_beef).message.contains("0xdeadbeef"))
        // A bad magic is checked before anything else is read.
        XCTAssertEqual(device.accessCount, 1)
    }

    func testProbeUnsupportedVersions() {
        let platform = TestPlatform()
        for (i, version) in [UInt32(0), 3, 0xffff_ffff].enumerated() {
            let base = UInt64(0x1000 * (i + 1))
            platform.addDevice(at: base, version: version, deviceID: DeviceType.entropy)
            XCTAssertThrowsVirtioError(.unsupportedVersion(version)) { () throws(VirtioError) in try platform.transport(at: base) }
        }
    }

    // MARK: - Negotiation

    func testLegacyNegotiation() throws {
        let platform = TestPlatform()
        let offered: Features = [.ringIndirectDescriptors, .ringEventIndex, .notifyOnEmpty, Features(bit: 5)]
        let device = platform.addDevice(at: 0x1000, version: 1, deviceID: DeviceType.entropy, features: offered)
        let transport = try platform.transport(at: 0x1000)
        let wanted: Features = [.ringIndirectDescriptors, .ringEventIndex, .version1, .ringPacked, Features(bit: 7)]
        let negotiated = try DeviceInitialization.negotiate(transport, driverSupports: wanted)
        XCTAssertEqual(negotiated, [.ringIndirectDescriptors, .ringEventIndex])
        XCTAssertFalse(negotiated.contains(.version1))
        XCTAssertEqual(device.guestPageSize, 4096)
        XCTAssertEqual(device.negotiated, negotiated.rawValue)
        // Only the low 32 feature bits exist on a legacy device.
        XCTAssertEqual(device.deviceFeaturesSelectWrites, [0])
        XCTAssertEqual(device.driverFeaturesWrites.map { $0.select }, [0])
        XCTAssertEqual(device.statusWrites, [0, 1, 3], "reset, ACKNOWLEDGE, DRIVER; no FEATURES_OK on legacy")
        DeviceInitialization.finish(transport)
        XCTAssertEqual(device.statusWrites.last, 7)
        XCTAssertTrue(device.deviceStatus.contains(.driverOK))
        XCTAssertFalse(device.deviceStatus.contains(.featuresOK))
        XCTAssertEqual(device.violations, [])
    }

    func testModernNegotiationStatusSequence() throws {
        let platform = TestPlatform()
        let offered: Features = [.version1, .ringIndirectDescriptors, .ringPacked, .inOrder, .accessPlatform, Features(bit: 3)]
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.block, features: offered)
        let transport = try platform.transport(at: 0x1000)
        let negotiated = try DeviceInitialization.negotiate(
            transport, driverSupports: [.ringIndirectDescriptors, .ringEventIndex, .ringPacked, Features(bit: 3)])
        XCTAssertEqual(negotiated, [.version1, .ringIndirectDescriptors, Features(bit: 3)],
                       "VERSION_1 added, RING_PACKED dropped, unasked features not taken")
        XCTAssertEqual(device.negotiated, negotiated.rawValue)
        XCTAssertEqual(device.deviceFeaturesSelectWrites, [0, 1])
        XCTAssertEqual(device.driverFeaturesWrites.map { $0.select }, [0, 1])
        XCTAssertEqual(device.driverFeaturesWrites.map { $0.value }, [1 << 28 | 1 << 3, 1])
        XCTAssertEqual(device.statusWrites, [0, 1, 3, 11], "reset, ACK, +DRIVER, +FEATURES_OK")
        XCTAssertTrue(device.deviceStatus.contains(.featuresOK))
        DeviceInitialization.finish(transport)
        XCTAssertEqual(device.statusWrites, [0, 1, 3, 11, 15])
        XCTAssertEqual(device.violations, [])
    }

    func testModernWithoutVersion1IsRefused() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy, features: [.ringEventIndex])
        let transport = try platform.transport(at: 0x1000)
        XCTAssertThrowsVirtioError(.missingVersion1) { () throws(VirtioError) in
            try DeviceInitialization.negotiate(transport, driverSupports: [.ringEventIndex, .version1])
        }
        XCTAssertTrue(device.deviceStatus.contains(.failed))
        XCTAssertFalse(device.deviceStatus.contains(.featuresOK))
        XCTAssertEqual(device.driverFeaturesWrites.count, 0, "no features accepted from a device we refuse")
    }

    func testRefusedFeaturesOKFailsTheDevice() throws {
        for legacy in [false, true] {
            let platform = TestPlatform()
            let device = platform.addDevice(at: 0x1000, version: legacy ? 1 : 2, deviceID: DeviceType.entropy,
                                            features: [.version1, .ringEventIndex])
            device.refuseFeaturesOK = true
            let transport = try platform.transport(at: 0x1000)
            if legacy {
                // Legacy devices have no FEATURES_OK handshake; nothing to refuse.
                XCTAssertNoThrow(try DeviceInitialization.negotiate(transport, driverSupports: [.ringEventIndex]))
                XCTAssertFalse(device.deviceStatus.contains(.failed))
            } else {
                XCTAssertThrowsVirtioError(.featuresRejected) { () throws(VirtioError) in
                    try DeviceInitialization.negotiate(transport, driverSupports: [.ringEventIndex])
                }
                XCTAssertTrue(device.deviceStatus.contains(.failed))
                XCTAssertEqual(device.statusWrites.last, DeviceStatus([.acknowledge, .driver, .failed]).rawValue)
            }
        }
    }

    func testResetWaitsForTheStatusToReadZero() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy, features: [.version1])
        let transport = try platform.transport(at: 0x1000)
        _ = try DeviceInitialization.negotiate(transport, driverSupports: [])
        DeviceInitialization.finish(transport)
        device.resetLatencyReads = 25
        let readsBefore = device.statusReads
        transport.reset()
        XCTAssertEqual(device.statusReads - readsBefore, 26, "polled until the 26th read returned 0")
        XCTAssertEqual(transport.readStatus().rawValue, 0)
    }

    func testNeedsReset() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy, features: [.version1])
        let transport = try platform.transport(at: 0x1000)
        _ = try DeviceInitialization.negotiate(transport, driverSupports: [])
        XCTAssertFalse(DeviceInitialization.needsReset(transport))
        device.signalNeedsReset()
        XCTAssertTrue(DeviceInitialization.needsReset(transport))
    }

    // MARK: - Queue registers

    func testQueueSizeMaximumAndMissingQueues() throws {
        let platform = TestPlatform()
        platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.network, features: [.version1], queueSizes: [256, 128])
        let transport = try platform.transport(at: 0x1000)
        XCTAssertEqual(transport.queueSizeMaximum(0), 256)
        XCTAssertEqual(transport.queueSizeMaximum(1), 128)
        XCTAssertEqual(transport.queueSizeMaximum(2), 0)
        XCTAssertFalse(transport.queueIsEnabled(0))
    }

    // MARK: - Config space

    func testConfigAccessWidthsAreLittleEndian() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.block, features: [.version1])
        device.config[0..<12] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c]
        let transport = try platform.transport(at: 0x1000)
        XCTAssertEqual(transport.configRead8(1), 0x02)
        XCTAssertEqual(transport.configRead16(2), 0x0403)
        XCTAssertEqual(transport.configRead32(4), 0x0807_0605)
        XCTAssertEqual(transport.configRead64(4), 0x0c0b_0a09_0807_0605)
        transport.configWrite8(20, 0xaa)
        transport.configWrite16(22, 0xbbcc)
        transport.configWrite32(24, 0x1122_3344)
        XCTAssertEqual(Array(device.config[20..<28]), [0xaa, 0, 0xcc, 0xbb, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(device.violations, [])
    }

    func testConfigRead64RetriesWhileGenerationChanges() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.block, features: [.version1])
        let transport = try platform.transport(at: 0x1000)
        device.setConfig64(0x0000_0007_0000_0007, at: 0)

        // Stable: one generation pair, two config reads.
        XCTAssertEqual(transport.configRead64(0), 0x0000_0007_0000_0007)
        XCTAssertEqual(device.configGenerationReads, 2)
        XCTAssertEqual(device.configReads, 2)

        // Each of the next 5 config reads is followed by a change: a single pass
        // would return low ≠ high. The transport must retry until a pass is clean.
        device.configChurnReads = 5
        let value = transport.configRead64(0)
        XCTAssertEqual(value >> 32, value & 0xffff_ffff, "torn read \(String(value, radix: 16))")
        XCTAssertEqual(value, device.configValue64(at: 0), "the value after the device stopped changing")
        XCTAssertGreaterThan(device.configGenerationReads, 4, "retried")
        XCTAssertEqual(device.violations, [])
    }

    func testConfigRead64GivesUpOnAFieldThatNeverSettles() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.block, features: [.version1])
        let transport = try platform.transport(at: 0x1000)
        device.configChurnReads = .max
        _ = transport.configRead64(0)  // must return
        XCTAssertLessThanOrEqual(device.configReads, 2 * 102)
    }

    func testLegacyConfigRead64RereadsTheHighWord() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 1, deviceID: DeviceType.block)
        let transport = try platform.transport(at: 0x1000)
        device.setConfig64(0x0000_0003_0000_0003, at: 0)
        device.configChurnReads = 4
        let value = transport.configRead64(0)
        XCTAssertEqual(value >> 32, value & 0xffff_ffff, "torn read \(String(value, radix: 16))")
        XCTAssertEqual(device.configGenerationReads, 0, "legacy devices have no ConfigGeneration")
        XCTAssertEqual(device.violations, [])
    }

    // MARK: - Interrupts

    func testAcknowledgeInterruptAcksExactlyTheBitsRead() throws {
        let platform = TestPlatform()
        let device = platform.addDevice(at: 0x1000, version: 2, deviceID: DeviceType.entropy, features: [.version1])
        let transport = try platform.transport(at: 0x1000)

        XCTAssertEqual(transport.acknowledgeInterrupt().rawValue, 0)
        XCTAssertEqual(device.interruptAcknowledgements, [], "nothing pending, nothing written")

        device.raiseInterrupt(.usedBuffer)
        var raisedMeanwhile = false
        device.afterInterruptStatusRead = {
            // The device raises a config change right after the driver read the status.
            if !raisedMeanwhile { raisedMeanwhile = true; device.raiseInterrupt(.configurationChange) }
        }
        XCTAssertEqual(transport.acknowledgeInterrupt(), .usedBuffer)
        XCTAssertEqual(device.interruptAcknowledgements, [1])
        XCTAssertEqual(device.interruptStatus, InterruptStatus.configurationChange.rawValue, "raised after the read: still pending")

        XCTAssertEqual(transport.acknowledgeInterrupt(), .configurationChange)
        XCTAssertEqual(device.interruptAcknowledgements, [1, 2])
        XCTAssertEqual(device.interruptStatus, 0)

        device.raiseInterrupt([.usedBuffer, .configurationChange])
        XCTAssertEqual(transport.acknowledgeInterrupt(), [.usedBuffer, .configurationChange])
        XCTAssertEqual(device.interruptAcknowledgements, [1, 2, 3])
    }
}
