import Platform

/// Where a virtio-mmio device sits, from the device tree (or the slot scan).
public struct VirtioMMIOLocation {
    public var base: UInt64
    public var size: Int
    /// GIC interrupt ID.
    public var interrupt: Int?
    public init(base: UInt64, size: Int, interrupt: Int?) {
        self.base = base
        self.size = size
        self.interrupt = interrupt
    }
}

/// One device found on the bus.
public struct VirtioDeviceRecord {
    public let slot: Int
    public let base: UInt64
    public let interrupt: Int?
    public let version: UInt32
    public let deviceType: UInt32
    public let vendorID: UInt32
    public internal(set) var claimedBy: StaticString? = nil
    public internal(set) var negotiated: Features? = nil
    public internal(set) var problem: String? = nil

    public var typeName: StaticString { DeviceType.name(deviceType) }
    public var modeName: StaticString { version == 1 ? "legacy" : "modern" }
}

/// Every virtio-mmio device present, and which driver owns each. A driver claims a
/// device before initialising it, so no device is set up twice, and several devices
/// of one type (two disks, keyboard + mouse + tablet) are all found.
public final class DeviceRegistry<P: Platform> {
    public static var slotBase: UInt64 { 0x0a00_0000 }
    public static var slotCount: Int { 32 }
    public static var slotStride: UInt64 { 0x200 }
    /// SPI 16 + n on QEMU virt → GIC interrupt ID 48 + n.
    public static var firstSlotInterrupt: Int { 48 }

    public let platform: P
    public private(set) var devices: [VirtioDeviceRecord] = []
    private var transports: [MMIOTransport<P.Registers>] = []
    /// Slots whose registers made no sense (bad magic or version), for the log.
    public private(set) var rejected: [(base: UInt64, error: VirtioError)] = []

    /// Probes each location; empty slots (device ID 0) are skipped.
    public init(platform: P, locations: [VirtioMMIOLocation]) {
        self.platform = platform
        for location in locations {
            guard let registers = platform.mapDevice(base: location.base, size: location.size) else {
                continue
            }
            do {
                let transport = try MMIOTransport(registers: registers)
                let slot = DeviceRegistry.slotNumber(base: location.base, fallback: devices.count)
                devices.append(VirtioDeviceRecord(slot: slot, base: location.base, interrupt: location.interrupt,
                                                  version: transport.version, deviceType: transport.deviceType,
                                                  vendorID: transport.vendorID))
                transports.append(transport)
            } catch {
                if error != .noDevice { rejected.append((location.base, error)) }
            }
        }
    }

    /// The 32 standard QEMU virt slots, for when no device tree lists them.
    public static func standardSlots() -> [VirtioMMIOLocation] {
        (0..<slotCount).map {
            VirtioMMIOLocation(base: slotBase + UInt64($0) * slotStride, size: Int(slotStride),
                               interrupt: firstSlotInterrupt + $0)
        }
    }

    static func slotNumber(base: UInt64, fallback: Int) -> Int {
        guard base >= slotBase, base < slotBase + UInt64(slotCount) * slotStride else { return fallback }
        return Int((base - slotBase) / slotStride)
    }

    /// Claims the first unclaimed device of `type` for `driver`; nil if none is left.
    public func claim(type: UInt32, driver: StaticString) -> (index: Int, transport: MMIOTransport<P.Registers>)? {
        for index in devices.indices where devices[index].deviceType == type && devices[index].claimedBy == nil {
            devices[index].claimedBy = driver
            return (index, transports[index])
        }
        return nil
    }

    /// Gives a device back (its driver failed or shut down).
    public func release(_ index: Int) {
        guard devices.indices.contains(index) else { return }
        devices[index].claimedBy = nil
    }

    public func recordNegotiated(_ index: Int, _ features: Features) {
        guard devices.indices.contains(index) else { return }
        devices[index].negotiated = features
    }

    public func recordProblem(_ index: Int, _ problem: String) {
        guard devices.indices.contains(index) else { return }
        devices[index].problem = problem
    }

    public func count(ofType type: UInt32) -> Int { devices.reduce(0) { $0 + ($1.deviceType == type ? 1 : 0) } }

    /// The device table for the boot log and the `devices` command.
    public func table() -> [String] {
        var lines = ["slot  address     irq  mode    type      driver    features"]
        for device in devices {
            var line = pad(String(device.slot), 6) + pad(hex32(UInt32(truncatingIfNeeded: device.base)), 12)
            line += pad(device.interrupt.map { String($0) } ?? "-", 5) + pad(string(device.modeName), 8)
            line += pad(string(device.typeName), 10) + pad(device.claimedBy.map(string) ?? "-", 10)
            if let features = device.negotiated {
                line += features.names(deviceType: device.deviceType)
            } else {
                line += "(not initialised)"
            }
            if let problem = device.problem { line += " — " + problem }
            lines.append(line)
        }
        return lines
    }

    private func pad(_ text: String, _ width: Int) -> String {
        var padded = text
        while padded.utf8.count < width { padded += " " }
        return padded
    }

    private func string(_ text: StaticString) -> String {
        text.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
