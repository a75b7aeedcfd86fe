import _Volatile
import Platform

/// A device register window in the identity-mapped MMIO hole; every access is
/// one volatile load or store.
struct KernelRegisters: DeviceRegisters {
    let base: UInt64
    let size: Int

    @inline(__always) private func address(_ offset: Int) -> UInt { UInt(base) &+ UInt(offset) }

    func read8(_ offset: Int) -> UInt8 { VolatileMappedRegister<UInt8>(unsafeBitPattern: address(offset)).load() }
    func read16(_ offset: Int) -> UInt16 { VolatileMappedRegister<UInt16>(unsafeBitPattern: address(offset)).load() }
    func read32(_ offset: Int) -> UInt32 { VolatileMappedRegister<UInt32>(unsafeBitPattern: address(offset)).load() }
    func read64(_ offset: Int) -> UInt64 { VolatileMappedRegister<UInt64>(unsafeBitPattern: address(offset)).load() }
    func write8(_ offset: Int, _ value: UInt8) { VolatileMappedRegister<UInt8>(unsafeBitPattern: address(offset)).store(value) }
    func write16(_ offset: Int, _ value: UInt16) { VolatileMappedRegister<UInt16>(unsafeBitPattern: address(offset)).store(value) }
    func write32(_ offset: Int, _ value: UInt32) { VolatileMappedRegister<UInt32>(unsafeBitPattern: address(offset)).store(value) }
    func write64(_ offset: Int, _ value: UInt64) { VolatileMappedRegister<UInt64>(unsafeBitPattern: address(offset)).store(value) }
}
