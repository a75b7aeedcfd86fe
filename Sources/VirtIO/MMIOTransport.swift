import Platform

/// VirtIO over memory-mapped registers (§4.2), both the legacy layout (version 1,
/// QEMU's default) and the modern one (version 2, `virtio-mmio.force-legacy=false`).
public struct MMIOTransport<Registers: DeviceRegisters>: VirtioTransport {
    public let registers: Registers
    public let version: UInt32
    public let deviceType: UInt32
    public let vendorID: UInt32

    /// Checks magic and version and reads the device ID. `.noDevice` for an empty
    /// slot (device ID 0), which QEMU has for every slot nothing is plugged into.
    public init(registers: Registers) throws(VirtioError) {
        let magic = registers.read32(MMIORegister.magicValue)
        guard magic == MMIORegister.magic else { throw .badMagic(magic) }
        let version = registers.read32(MMIORegister.version)
        guard version == 1 || version == 2 else { throw .unsupportedVersion(version) }
        let deviceType = registers.read32(MMIORegister.deviceID)
        guard deviceType != 0 else { throw .noDevice }
        self.registers = registers
        self.version = version
        self.deviceType = deviceType
        self.vendorID = registers.read32(MMIORegister.vendorID)
    }

    public func readStatus() -> DeviceStatus { DeviceStatus(rawValue: registers.read32(MMIORegister.status)) }
    public func writeStatus(_ status: DeviceStatus) { registers.write32(MMIORegister.status, status.rawValue) }

    public func reset() {
        registers.write32(MMIORegister.status, 0)
        // §4.2.3.1: a modern driver waits for the status to read back 0.
        var spins = 0
        while registers.read32(MMIORegister.status) != 0 && spins < 1_000_000 { spins += 1 }
    }

    public func readDeviceFeatures() -> Features {
        registers.write32(MMIORegister.deviceFeaturesSelect, 0)
        let low = UInt64(registers.read32(MMIORegister.deviceFeatures))
        // Legacy devices have only 32 feature bits.
        guard !isLegacy else { return Features(rawValue: low) }
        registers.write32(MMIORegister.deviceFeaturesSelect, 1)
        let high = UInt64(registers.read32(MMIORegister.deviceFeatures))
        return Features(rawValue: high << 32 | low)
    }

    public func writeDriverFeatures(_ features: Features) {
        registers.write32(MMIORegister.driverFeaturesSelect, 0)
        registers.write32(MMIORegister.driverFeatures, UInt32(truncatingIfNeeded: features.rawValue))
        guard !isLegacy else { return }
        registers.write32(MMIORegister.driverFeaturesSelect, 1)
        registers.write32(MMIORegister.driverFeatures, UInt32(truncatingIfNeeded: features.rawValue >> 32))
    }

    public func setGuestPageSize(_ size: UInt32) {
        if isLegacy { registers.write32(MMIORegister.guestPageSize, size) }
    }

    public func queueSizeMaximum(_ index: Int) -> Int {
        registers.write32(MMIORegister.queueSelect, UInt32(index))
        return Int(registers.read32(MMIORegister.queueSizeMaximum))
    }

    public func enableQueue(_ index: Int, size: Int, descriptors: UInt64, driverArea: UInt64, deviceArea: UInt64, legacyAlignment: Int) {
        registers.write32(MMIORegister.queueSelect, UInt32(index))
        registers.write32(MMIORegister.queueSize, UInt32(size))
        if isLegacy {
            registers.write32(MMIORegister.queueAlign, UInt32(legacyAlignment))
            registers.write32(MMIORegister.queuePFN, UInt32(truncatingIfNeeded: descriptors >> 12))
        } else {
            registers.write32(MMIORegister.queueDescriptorLow, UInt32(truncatingIfNeeded: descriptors))
            registers.write32(MMIORegister.queueDescriptorHigh, UInt32(truncatingIfNeeded: descriptors >> 32))
            registers.write32(MMIORegister.queueDriverLow, UInt32(truncatingIfNeeded: driverArea))
            registers.write32(MMIORegister.queueDriverHigh, UInt32(truncatingIfNeeded: driverArea >> 32))
            registers.write32(MMIORegister.queueDeviceLow, UInt32(truncatingIfNeeded: deviceArea))
            registers.write32(MMIORegister.queueDeviceHigh, UInt32(truncatingIfNeeded: deviceArea >> 32))
            registers.write32(MMIORegister.queueReady, 1)
        }
    }

    public func disableQueue(_ index: Int) {
        registers.write32(MMIORegister.queueSelect, UInt32(index))
        if isLegacy {
            registers.write32(MMIORegister.queuePFN, 0)
        } else {
            registers.write32(MMIORegister.queueReady, 0)
        }
    }

    public func queueIsEnabled(_ index: Int) -> Bool {
        registers.write32(MMIORegister.queueSelect, UInt32(index))
        return isLegacy ? registers.read32(MMIORegister.queuePFN) != 0 : registers.read32(MMIORegister.queueReady) != 0
    }

    public func notify(_ index: Int) { registers.write32(MMIORegister.queueNotify, UInt32(index)) }

    public func acknowledgeInterrupt() -> InterruptStatus {
        let status = registers.read32(MMIORegister.interruptStatus)
        if status != 0 { registers.write32(MMIORegister.interruptAcknowledge, status) }
        return InterruptStatus(rawValue: status)
    }

    public func configRead8(_ offset: Int) -> UInt8 { registers.read8(MMIORegister.config + offset) }
    public func configRead16(_ offset: Int) -> UInt16 { registers.read16(MMIORegister.config + offset) }
    public func configRead32(_ offset: Int) -> UInt32 { registers.read32(MMIORegister.config + offset) }

    /// A 64-bit field is two 32-bit reads; the device may change it in between.
    /// Modern devices bump ConfigGeneration on change, so retry until it is stable;
    /// legacy ones have no generation, so read high, low, high until high is stable.
    public func configRead64(_ offset: Int) -> UInt64 {
        var attempts = 0
        while true {
            attempts += 1
            if isLegacy {
                let high = registers.read32(MMIORegister.config + offset + 4)
                let low = registers.read32(MMIORegister.config + offset)
                if registers.read32(MMIORegister.config + offset + 4) == high || attempts > 100 {
                    return UInt64(high) << 32 | UInt64(low)
                }
            } else {
                let before = registers.read32(MMIORegister.configGeneration)
                let low = registers.read32(MMIORegister.config + offset)
                let high = registers.read32(MMIORegister.config + offset + 4)
                if registers.read32(MMIORegister.configGeneration) == before || attempts > 100 {
                    return UInt64(high) << 32 | UInt64(low)
                }
            }
        }
    }

    public func configWrite8(_ offset: Int, _ value: UInt8) { registers.write8(MMIORegister.config + offset, value) }
    public func configWrite16(_ offset: Int, _ value: UInt16) { registers.write16(MMIORegister.config + offset, value) }
    public func configWrite32(_ offset: Int, _ value: UInt32) { registers.write32(MMIORegister.config + offset, value) }
}
