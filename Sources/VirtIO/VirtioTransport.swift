/// How a driver talks to its device, whatever the bus (rcore-os's `Transport`).
/// Lumen has one transport, VirtIO-MMIO in its legacy and modern versions.
public protocol VirtioTransport {
    var deviceType: UInt32 { get }
    var vendorID: UInt32 { get }
    /// Version 1 (legacy) or 2 (modern) register layout.
    var version: UInt32 { get }

    func readStatus() -> DeviceStatus
    func writeStatus(_ status: DeviceStatus)
    /// Writes 0 to the status and waits for the device to finish resetting.
    func reset()
    func readDeviceFeatures() -> Features
    func writeDriverFeatures(_ features: Features)
    /// Legacy only: the page size QueuePFN counts in.
    func setGuestPageSize(_ size: UInt32)

    func queueSizeMaximum(_ index: Int) -> Int
    /// Points queue `index` at its rings. Legacy devices take one contiguous area
    /// (descriptor table first) given as a page number; modern devices take three addresses.
    func enableQueue(_ index: Int, size: Int, descriptors: UInt64, driverArea: UInt64, deviceArea: UInt64, legacyAlignment: Int)
    func disableQueue(_ index: Int)
    func queueIsEnabled(_ index: Int) -> Bool
    func notify(_ index: Int)

    /// Reads the interrupt status and acknowledges exactly those bits, so an
    /// interrupt raised after the read stays pending.
    func acknowledgeInterrupt() -> InterruptStatus

    func configRead8(_ offset: Int) -> UInt8
    func configRead16(_ offset: Int) -> UInt16
    func configRead32(_ offset: Int) -> UInt32
    func configRead64(_ offset: Int) -> UInt64
    func configWrite8(_ offset: Int, _ value: UInt8)
    func configWrite16(_ offset: Int, _ value: UInt16)
    func configWrite32(_ offset: Int, _ value: UInt32)
}

extension VirtioTransport {
    public var isLegacy: Bool { version == 1 }
}
