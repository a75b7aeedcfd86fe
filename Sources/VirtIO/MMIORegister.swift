/// VirtIO-MMIO register offsets (VirtIO 1.2, §4.2.2; legacy §4.2.4).
enum MMIORegister {
    static let magicValue = 0x000
    static let version = 0x004
    static let deviceID = 0x008
    static let vendorID = 0x00c
    static let deviceFeatures = 0x010
    static let deviceFeaturesSelect = 0x014
    static let driverFeatures = 0x020
    static let driverFeaturesSelect = 0x024
    static let guestPageSize = 0x028      // legacy only
    static let queueSelect = 0x030
    static let queueSizeMaximum = 0x034
    static let queueSize = 0x038
    static let queueAlign = 0x03c         // legacy only
    static let queuePFN = 0x040           // legacy only
    static let queueReady = 0x044         // modern only
    static let queueNotify = 0x050
    static let interruptStatus = 0x060
    static let interruptAcknowledge = 0x064
    static let status = 0x070
    static let queueDescriptorLow = 0x080
    static let queueDescriptorHigh = 0x084
    static let queueDriverLow = 0x090
    static let queueDriverHigh = 0x094
    static let queueDeviceLow = 0x0a0
    static let queueDeviceHigh = 0x0a4
    static let configGeneration = 0x0fc
    static let config = 0x100

    /// "virt" in little-endian.
    static let magic: UInt32 = 0x7472_6976
    /// Register windows are 0x200 bytes on QEMU virt.
    static let windowSize = 0x200
}

/// The device status field (§2.1).
public struct DeviceStatus: OptionSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let acknowledge = DeviceStatus(rawValue: 1)
    public static let driver = DeviceStatus(rawValue: 2)
    public static let driverOK = DeviceStatus(rawValue: 4)
    public static let featuresOK = DeviceStatus(rawValue: 8)
    public static let deviceNeedsReset = DeviceStatus(rawValue: 64)
    public static let failed = DeviceStatus(rawValue: 128)
}

/// Interrupt status bits (§4.2.2).
public struct InterruptStatus: OptionSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let usedBuffer = InterruptStatus(rawValue: 1)
    public static let configurationChange = InterruptStatus(rawValue: 2)
}
