import KernelSupport

/// Console output that never allocates, for the boot path before the heap exists
/// and for fault reports (the fault may be inside the allocator). Everything goes
/// to the UART; `\n` becomes `\r\n` there.
enum KernelLog {
    static func write(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { UART.put(byte) } }
    }

    static func write(_ text: String) {
        var copy = text
        copy.withUTF8 { for byte in $0 { UART.put(byte) } }
    }

    /// `0x` and 16 hex digits.
    static func writeHex(_ value: UInt64, digits: Int = 16) {
        write("0x")
        var shift = (digits - 1) * 4
        while shift >= 0 {
            let nibble = UInt8((value >> UInt64(shift)) & 0xf)
            UART.put(nibble < 10 ? 48 + nibble : 87 + nibble)
            shift -= 4
        }
    }

    static func writeDecimal(_ value: UInt64) {
        if value >= 10 { writeDecimal(value / 10) }
        UART.put(48 + UInt8(value % 10))
    }
}

/// Formats a byte count as "256 MiB" / "12.5 KiB" for people.
func formatBytes(_ bytes: UInt64) -> String {
    let units: [(UInt64, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
    for (scale, name) in units where bytes >= scale {
        let whole = bytes / scale
        let tenth = (bytes % scale) * 10 / scale
        return tenth == 0 ? "\(whole) \(name)" : "\(whole).\(tenth) \(name)"
    }
    return "\(bytes) B"
}

func hex(_ value: UInt64, digits: Int = 8) -> String {
    var text = String(value, radix: 16)
    while text.utf8.count < digits { text = "0" + text }
    return "0x" + text
}

/// Called from C (the stack protector, `_exit`) and for unrecoverable states.
@_cdecl("lumen_panic")
func lumenPanic(_ message: UnsafePointer<CChar>) -> Never {
    lumen_irq_disable()
    ConsoleOutput.installed?.serial.flush()
    KernelLog.write("\npanic: ")
    var pointer = message
    while pointer.pointee != 0 { UART.put(UInt8(bitPattern: pointer.pointee)); pointer += 1 }
    KernelLog.write("\nSystem halted.\n")
    haltForever()
}

func haltForever() -> Never {
    lumen_irq_disable()
    while true { lumen_wait_for_interrupt() }
}

/// A boot-log line: printed on the serial console (and so on console 1).
func bootLog(_ line: String) {
    print(line)
}
