import KernelSupport
import Platform

/// The PL011 UART: the serial console, output by polling the transmit FIFO and
/// input by receive interrupts (the serial port is a full console input).
enum UART {
    // Register offsets (PL011 TRM).
    static let dataRegister = 0x00
    static let flagRegister = 0x18
    static let lineControl = 0x2c
    static let control = 0x30
    static let interruptMask = 0x38
    static let interruptClear = 0x44
    static let flagTransmitFull: UInt32 = 1 << 5
    static let flagReceiveEmpty: UInt32 = 1 << 4

    /// Before the device tree is read we assume QEMU virt's UART; `attach` moves
    /// to whatever the tree says. Global because the fault and panic reports,
    /// which may come from inside the allocator or a broken object, write here
    /// with nothing else in hand.
    static var registers = KernelRegisters(base: 0x0900_0000, size: 0x1000)

    static func attach(_ window: KernelRegisters) { registers = window }

    static func put(_ byte: UInt8) {
        if byte == 10 { putRaw(13) }
        putRaw(byte)
    }

    static func putRaw(_ byte: UInt8) {
        while registers.read32(flagRegister) & flagTransmitFull != 0 {}
        registers.write32(dataRegister, UInt32(byte))
    }

    /// FIFOs on, 8N1, receive and receive-timeout interrupts on.
    static func enableReceiveInterrupts() {
        registers.write32(lineControl, (3 << 5) | (1 << 4))
        registers.write32(control, (1 << 0) | (1 << 8) | (1 << 9))
        registers.write32(interruptClear, 0x7ff)
        registers.write32(interruptMask, (1 << 4) | (1 << 6))
    }

    /// Drains the receive FIFO into `body`. The interrupt is cleared *before*
    /// draining: QEMU's PL011 raises RX only when the FIFO goes from empty to one
    /// byte, so clearing after the drain could swallow the interrupt of a byte that
    /// arrived meanwhile, and input would stall with bytes in the FIFO.
    static func drainReceived(_ body: (UInt8) -> Void) {
        registers.write32(interruptClear, (1 << 4) | (1 << 6))
        while registers.read32(flagRegister) & flagReceiveEmpty == 0 {
            body(UInt8(truncatingIfNeeded: registers.read32(dataRegister)))
        }
    }
}

/// picolibc's stdout (and so Swift's `print`) ends here.
@_cdecl("lumen_uart_putc")
func lumenUARTPutc(_ byte: UInt8) { UART.put(byte) }
