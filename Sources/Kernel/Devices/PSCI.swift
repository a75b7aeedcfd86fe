import KernelSupport

/// Power State Coordination Interface calls (through HVC on QEMU virt, or SMC
/// when the device tree says so).
struct PSCI {
    static let systemOff: UInt64 = 0x8400_0008
    static let systemReset: UInt64 = 0x8400_0009
    static let version: UInt64 = 0x8400_0000
    let usesSMC: Bool

    func call(_ function: UInt64) -> Int64 {
        usesSMC ? lumen_psci_call_smc(function, 0, 0, 0) : lumen_psci_call(function, 0, 0, 0)
    }

    /// The serial port gets what is queued for it first.
    func powerOff(flushing serial: SerialOutput) -> Never {
        lumen_irq_disable()
        serial.flush()
        _ = call(PSCI.systemOff)
        KernelLog.write("poweroff: PSCI SYSTEM_OFF failed; halting\n")
        haltForever()
    }

    func reset(flushing serial: SerialOutput) -> Never {
        lumen_irq_disable()
        serial.flush()
        _ = call(PSCI.systemReset)
        KernelLog.write("reboot: PSCI SYSTEM_RESET failed; halting\n")
        haltForever()
    }
}
