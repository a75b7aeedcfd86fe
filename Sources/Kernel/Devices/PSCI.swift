import KernelSupport

/// Power State Coordination Interface calls (through HVC on QEMU virt, or SMC
/// when the device tree says so).
enum PSCI {
    static let systemOff: UInt64 = 0x8400_0008
    static let systemReset: UInt64 = 0x8400_0009
    static let version: UInt64 = 0x8400_0000
    static var usesSMC = false

    static func call(_ function: UInt64) -> Int64 {
        usesSMC ? lumen_psci_call_smc(function, 0, 0, 0) : lumen_psci_call(function, 0, 0, 0)
    }

    static func powerOff() -> Never {
        lumen_irq_disable()
        SerialOutput.flush()
        _ = call(systemOff)
        KernelLog.write("poweroff: PSCI SYSTEM_OFF failed; halting\n")
        haltForever()
    }

    static func reset() -> Never {
        lumen_irq_disable()
        SerialOutput.flush()
        _ = call(systemReset)
        KernelLog.write("reboot: PSCI SYSTEM_RESET failed; halting\n")
        haltForever()
    }
}
