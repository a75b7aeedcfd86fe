import KernelSupport
import Scheduling

/// Synchronous exceptions, FIQs and SErrors: print a readable report on the
/// UART (what happened, where, the registers, a frame-pointer backtrace) and halt.
/// Nothing here allocates: the fault may have happened inside the allocator.
@_cdecl("lumen_exception")
func lumenException(_ frame: UnsafeMutablePointer<lumen_trap_frame>, _ kind: UInt64) -> Never {
    lumen_irq_disable()
    ConsoleOutput.installed?.serial.flush()
    let f = frame.pointee
    let esr = f.esr
    let exceptionClass = (esr >> 26) & 0x3f
    KernelLog.write("\n*** kernel fault: ")
    switch kind & 3 {
    case 0: KernelLog.write(FaultDescription.name(ofClass: exceptionClass))
    case 2: KernelLog.write("FIQ")
    default: KernelLog.write("SError (asynchronous abort)")
    }
    KernelLog.write(" ***\n")
    if let thread = Threads.system?.scheduler.current {
        KernelLog.write("  thread: ")
        KernelLog.write(thread.name)
        KernelLog.write("\n")
        if let owner = Threads.guardPageOwner(of: f.far) {
            KernelLog.write("  stack overflow: the fault is in the guard page below the stack of ")
            KernelLog.write(owner)
            KernelLog.write("\n")
        }
    }
    if exceptionClass == 0x24 || exceptionClass == 0x25 || exceptionClass == 0x20 || exceptionClass == 0x21 {
        let iss = esr & 0x1ff_ffff
        KernelLog.write("  cause: ")
        KernelLog.write(FaultDescription.faultStatus(iss & 0x3f))
        if exceptionClass >= 0x24 { KernelLog.write(iss & (1 << 6) != 0 ? ", on a write" : ", on a read") }
        KernelLog.write("\n  address (FAR): ")
        KernelLog.writeHex(f.far)
        KernelLog.write("\n")
    }
    KernelLog.write("  ESR: "); KernelLog.writeHex(esr, digits: 8)
    KernelLog.write("  class "); KernelLog.writeHex(exceptionClass, digits: 2)
    KernelLog.write("\n  ELR (pc): "); KernelLog.writeHex(f.elr)
    KernelLog.write("  SPSR: "); KernelLog.writeHex(f.spsr, digits: 8)
    KernelLog.write("  SP: "); KernelLog.writeHex(f.sp)
    KernelLog.write("\n  registers:\n")
    withUnsafeBytes(of: f.x) { raw in
        let registers = raw.bindMemory(to: UInt64.self)
        for index in 0..<31 {
            KernelLog.write(index < 10 ? "   x" : "  x")
            KernelLog.writeDecimal(UInt64(index))
            KernelLog.write(" ")
            KernelLog.writeHex(registers[index])
            KernelLog.write(index % 4 == 3 || index == 30 ? "\n" : "")
        }
    }
    KernelLog.write("  backtrace (frame pointers):\n    #0 ")
    KernelLog.writeHex(f.elr)
    KernelLog.write("\n")
    let registerX29 = withUnsafeBytes(of: f.x) { $0.load(fromByteOffset: 29 * 8, as: UInt64.self) }
    Backtrace.walk(from: registerX29) { depth, returnAddress in
        KernelLog.write("    #")
        KernelLog.writeDecimal(UInt64(depth))
        KernelLog.write(" ")
        KernelLog.writeHex(returnAddress)
        KernelLog.write("\n")
    }
    KernelLog.write("  (symbolize with: llvm-symbolizer --obj=.build-kernel/lumen.elf ADDRESS)\n")
    KernelLog.write("System halted.\n")
    haltForever()
}

/// The frame-pointer chain: each frame record is (previous x29, return address).
/// Only records inside the kernel stack, 16-byte aligned and moving up, are
/// followed, so a corrupt chain ends the walk instead of faulting again.
enum Backtrace {
    static func walk(from framePointer: UInt64, maximumDepth: Int = 32, _ body: (Int, UInt64) -> Void) {
        let range = Threads.stackRange(containing: framePointer)
        let low = range?.low ?? UInt64(lumen_stack_bottom())
        let high = range?.high ?? UInt64(lumen_stack_top())
        var frame = framePointer
        var depth = 1
        while depth <= maximumDepth, frame >= low, frame + 16 <= high, frame & 0xf == 0 {
            guard let record = UnsafePointer<UInt64>(bitPattern: UInt(frame)) else { return }
            let previous = record[0]
            let returnAddress = record[1]
            if returnAddress == 0 { return }
            body(depth, returnAddress)
            if previous <= frame { return }
            frame = previous
            depth += 1
        }
    }
}

enum FaultDescription {
    static func name(ofClass exceptionClass: UInt64) -> StaticString {
        switch exceptionClass {
        case 0x00: return "unknown reason (undefined instruction?)"
        case 0x01: return "trapped WFI/WFE"
        case 0x07: return "FP/SIMD access trapped"
        case 0x0e: return "illegal execution state"
        case 0x15: return "SVC instruction"
        case 0x16: return "HVC instruction"
        case 0x17: return "SMC instruction"
        case 0x18: return "trapped system register access"
        case 0x20, 0x21: return "instruction abort"
        case 0x22: return "PC alignment fault"
        case 0x24, 0x25: return "data abort"
        case 0x26: return "SP alignment fault"
        case 0x2c: return "floating-point exception"
        case 0x2f: return "SError"
        case 0x30, 0x31: return "breakpoint"
        case 0x32, 0x33: return "software step"
        case 0x34, 0x35: return "watchpoint"
        case 0x3c: return "BRK instruction (Swift runtime trap?)"
        default: return "unexpected exception"
        }
    }

    static func faultStatus(_ code: UInt64) -> StaticString {
        switch code {
        case 0b000000: return "address size fault, level 0"
        case 0b000001: return "address size fault, level 1"
        case 0b000010: return "address size fault, level 2"
        case 0b000011: return "address size fault, level 3"
        case 0b000100: return "translation fault, level 0 (address not mapped)"
        case 0b000101: return "translation fault, level 1 (address not mapped)"
        case 0b000110: return "translation fault, level 2 (address not mapped)"
        case 0b000111: return "translation fault, level 3 (address not mapped)"
        case 0b001001, 0b001010, 0b001011: return "access flag fault"
        case 0b001101, 0b001110, 0b001111: return "permission fault"
        case 0b010000: return "synchronous external abort"
        case 0b100001: return "alignment fault"
        default: return "other fault"
        }
    }
}
