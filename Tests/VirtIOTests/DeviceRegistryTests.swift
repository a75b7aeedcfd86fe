import XCTest
import Platform
import VirtIO

final class DeviceRegistryTests: XCTestCase {
    static func slotBase(_ n: Int) -> UInt64 { 0x0a00_0000 + UInt64(n) * 0x200 }

    /// QEMU virt with two rngs (one legacy), a disk, an empty slot, and two slots
    /// with broken registers; the other slots are not mapped at all.
    func makeBus() -> (TestPlatform, [Int: ModelDevice]) {
        let platform = TestPlatform()
        var devices: [Int: ModelDevice] = [:]
        devices[31] = platform.addDevice(at: Self.slotBase(31), version: 2, deviceID: DeviceType.entropy,
                                         features: [.version1, .ringEventIndex], queueSizes: [8], interrupt: 48 + 31)
        devices[30] = platform.addDevice(at: Self.slotBase(30), version: 1, deviceID: DeviceType.entropy,
                                         features: [.ringIndirectDescriptors], queueSizes: [8], interrupt: 48 + 30)
        devices[29] = platform.addDevice(at: Self.slotBase(29), version: 2, deviceID: DeviceType.block,
                                         features: [.version1], queueSizes: [128], interrupt: 48 + 29)
        devices[3] = platform.addDevice(at: Self.slotBase(3), version: 1, deviceID: 0)
        let badMagic = platform.addDevice(at: Self.slotBase(4), version: 2, deviceID: DeviceType.entropy)
        badMagic.magic = 0x1234_5678
        devices[4] = badMagic
        devices[5] = platform.addDevice(at: Self.slotBase(5), version: 3, deviceID: DeviceType.entropy)
        return (platform, devices)
    }

    func testProbeFindsDevicesSkipsEmptySlotsAndRecordsBrokenOnes() {
        let (platform, _) = makeBus()
        let registry = DeviceRegistry(platform: platform, locations: DeviceRegistry<TestPlatform>.standardSlots())
        XCTAssertEqual(registry.devices.map { $0.slot }, [29, 30, 31])
        XCTAssertEqual(registry.devices.map { $0.base }, [29, 30, 31].map(Self.slotBase))
        XCTAssertEqual(registry.devices.map { $0.interrupt }, [77, 78, 79])
        XCTAssertEqual(registry.devices.map { $0.deviceType }, [DeviceType.block, DeviceType.entropy, DeviceType.entropy])
        XCTAssertEqual(registry.devices.map { $0.version }, [2, 1, 2])
        XCTAssertEqual(registry.devices.map { "\($0.modeName)" }, ["modern", "legacy", "modern"])
        XCTAssertEqual(registry.devices.map { "\($0.typeName)" }, ["block", "entropy", "entropy"])
        XCTAssertEqual(registry.count(ofType: DeviceType.entropy), 2)
        XCTAssertEqual(registry.count(ofType: DeviceType.gpu), 0)
        XCTAssertEqual(registry.rejected.count, 2)
        XCTAssertEqual(registry.rejected.map { $0.base }, [Self.slotBase(4), Self.slotBase(5)])
        XCTAssertEqual(registry.rejected.map { $0.error }, [.badMagic(0x1234_5678), .unsupportedVersion(3)])
    }

    func testStandardSlots() {
        let slots = DeviceRegistry<TestPlatform>.standardSlots()
        XCTAssertEqual(slots.count, 32)
        XCTAssertEqual(slots[0].base, 0x0a00_0000)
        XCTAssertEqual(slots[31].base, 0x0a00_3e00)
        XCTAssertEqual(slots[31].interrupt, 79)
        XCTAssertTrue(slots.allSatisfy { $0.size == 0x200 })
    }

    func testClaimHandsOutEachDeviceOnce() throws {
        let (platform, _) = makeBus()
        let registry = DeviceRegistry(platform: platform, locations: DeviceRegistry<TestPlatform>.standardSlots())
        let first = try XCTUnwrap(registry.claim(type: DeviceType.entropy, driver: "rng"))
        let second = try XCTUnwrap(registry.claim(type: DeviceType.entropy, driver: "rng"))
        XCTAssertNotEqual(first.index, second.index)
        XCTAssertEqual(registry.devices[first.index].slot, 30)
        XCTAssertEqual(registry.devices[second.index].slot, 31)
        XCTAssertEqual(first.transport.version, 1)
        XCTAssertEqual(second.transport.version, 2)
        XCTAssertEqual(first.transport.registers.base, Self.slotBase(30))
        XCTAssertNil(registry.claim(type: DeviceType.entropy, driver: "rng"), "all rngs taken")
        XCTAssertNil(registry.claim(type: DeviceType.gpu, driver: "gpu"), "no such device")
        let disk = try XCTUnwrap(registry.claim(type: DeviceType.block, driver: "blk"))
        XCTAssertEqual(registry.devices[disk.index].slot, 29)
        XCTAssertEqual("\(registry.devices[disk.index].claimedBy!)", "blk")

        registry.release(first.index)
        registry.release(99)  // out of range: ignored
        registry.release(-1)
        let again = try XCTUnwrap(registry.claim(type: DeviceType.entropy, driver: "rng2"))
        XCTAssertEqual(again.index, first.index)
        XCTAssertEqual("\(registry.devices[again.index].claimedBy!)", "rng2")
    }

    func testClaimedTransportsDriveTheirOwnDevice() throws {
        let (platform, devices) = makeBus()
        let registry = DeviceRegistry(platform: platform, locations: DeviceRegistry<TestPlatform>.standardSlots())
        while let (index, transport) = registry.claim(type: DeviceType.entropy, driver: "rng") {
            let features = try DeviceInitialization.negotiate(transport, driverSupports: [.ringEventIndex, .ringIndirectDescriptors])
            registry.recordNegotiated(index, features)
        }
        XCTAssertTrue(devices[31]!.negotiated(.ringEventIndex))
        XCTAssertFalse(devices[31]!.negotiated(.ringIndirectDescriptors))
        XCTAssertTrue(devices[30]!.negotiated(.ringIndirectDescriptors))
        XCTAssertEqual(devices[29]!.statusWrites, [], "the disk was not touched")
        XCTAssertEqual(devices[31]!.violations + devices[30]!.violations, [])
    }

    func testSlotNumbersFromAddresses() {
        let platform = TestPlatform()
        platform.addDevice(at: 0x0a00_0000, deviceID: DeviceType.entropy, features: [.version1])
        platform.addDevice(at: 0x0a00_0a00, deviceID: DeviceType.entropy, features: [.version1])
        platform.addDevice(at: 0x1000_0000, deviceID: DeviceType.entropy, features: [.version1])  // not a QEMU slot
        platform.addDevice(at: 0x0a00_4000, deviceID: DeviceType.entropy, features: [.version1])  // just past slot 31
        let locations = [0x0a00_0000, 0x0a00_0a00, 0x1000_0000, 0x0a00_4000].map {
            VirtioMMIOLocation(base: UInt64($0), size: 0x200, interrupt: nil)
        }
        let registry = DeviceRegistry(platform: platform, locations: locations)
        XCTAssertEqual(registry.devices.map { $0.slot }, [0, 5, 2, 3], "outside the slot range: the device's position")
        XCTAssertTrue(registry.devices.allSatisfy { $0.interrupt == nil })
    }

    func testTable() throws {
        let (platform, _) = makeBus()
        let registry = DeviceRegistry(platform: platform, locations: DeviceRegistry<TestPlatform>.standardSlots())
        let rng = try XCTUnwrap(registry.claim(type: DeviceType.entropy, driver: "rng"))
        registry.recordNegotiated(rng.index, [.ringIndirectDescriptors, .ringEventIndex])
        let disk = try XCTUnwrap(registry.claim(type: DeviceType.block, driver: "blk"))
        registry.recordNegotiated(disk.index, [.version1, Features(bit: 9), Features(bit: 50)])
        registry.recordProblem(disk.index, "interrupt unavailable")
        registry.recordProblem(42, "ignored")

        let lines = registry.table()
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "slot  address     irq  mode    type      driver    features")
        XCTAssertEqual(lines[1], "29    0x0a003a00  77   modern  block     blk       FLUSH VERSION_1 bit 50 — interrupt unavailable")
        XCTAssertEqual(lines[2], "30    0x0a003c00  78   legacy  entropy   rng       INDIRECT_DESC EVENT_IDX")
        XCTAssertEqual(lines[3], "31    0x0a003e00  79   modern  entropy   -         (not initialised)")
        XCTAssertEqual(Features().names(deviceType: DeviceType.entropy), "none")
    }
}
