/// A device's register window, mapped by `Platform.mapDevice`. Offsets are bytes
/// from the window's base; every access is a single volatile load or store of
/// the stated width, in the device's (little-endian) byte order.
public protocol DeviceRegisters {
    var base: UInt64 { get }
    var size: Int { get }
    func read8(_ offset: Int) -> UInt8
    func read16(_ offset: Int) -> UInt16
    func read32(_ offset: Int) -> UInt32
    func read64(_ offset: Int) -> UInt64
    func write8(_ offset: Int, _ value: UInt8)
    func write16(_ offset: Int, _ value: UInt16)
    func write32(_ offset: Int, _ value: UInt32)
    func write64(_ offset: Int, _ value: UInt64)
}
