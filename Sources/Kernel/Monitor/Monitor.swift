import Drivers
import VirtIO
import KernelSupport
import Platform

/// The boot monitor: a `lumen>` prompt on the serial port until the real shell
/// arrives. Reads bytes from the UART's receive interrupt, echoes them, edits the
/// line (Backspace, Ctrl-U, Ctrl-C) and runs a small command table.
enum Monitor {
    static let prompt: StaticString = "lumen> "
    static var line: [UInt8] = []
    static let maximumLine = 256

    struct Command {
        let name: StaticString
        let help: StaticString
        let run: ([Substring]) -> Void
    }

    static let commands: [Command] = [
        Command(name: "help", help: "list the commands", run: { _ in help() }),
        Command(name: "mem", help: "RAM size, kernel image, heap and free pages", run: { _ in mem() }),
        Command(name: "uptime", help: "time since boot and timer interrupts taken", run: { _ in uptime() }),
        Command(name: "version", help: "Lumen, FreeType and CPU versions", run: { _ in version() }),
        Command(name: "devices", help: "the virtio device table", run: { _ in VirtioDevices.printTable() }),
        Command(name: "display", help: "the screen: display [damage X Y W H | cursor X Y | bench]", run: { DisplayCommands.display($0) }),
        Command(name: "edid", help: "the monitor's EDID from virtio-gpu, in hex and parsed", run: { _ in DisplayCommands.edid() }),
        Command(name: "random", help: "random [N]: N random bytes in hex (default 16)", run: { random($0) }),
        Command(name: "poweroff", help: "turn the machine off (PSCI SYSTEM_OFF)", run: { _ in
            print("Powering off.")
            VirtioDevices.shutdownAll()
            PSCI.powerOff()
        }),
        Command(name: "reboot", help: "restart the machine (PSCI SYSTEM_RESET)", run: { _ in
            print("Rebooting.")
            VirtioDevices.shutdownAll()
            PSCI.reset()
        }),
    ]

    static func start() {
        KernelLog.write(prompt)
    }

    /// One byte from the serial port.
    static func receive(_ byte: UInt8) {
        switch byte {
        case 13, 10:  // Enter
            KernelLog.write("\n")
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll()
            execute(text)
            KernelLog.write(prompt)
        case 8, 127:  // Backspace / Delete
            if !line.isEmpty {
                // Remove a whole UTF-8 character: continuation bytes first.
                while let last = line.last, last & 0xc0 == 0x80 { line.removeLast() }
                if !line.isEmpty { line.removeLast() }
                KernelLog.write("\u{8} \u{8}")
            }
        case 3:  // Ctrl-C
            line.removeAll()
            KernelLog.write("^C\n")
            KernelLog.write(prompt)
        case 21:  // Ctrl-U
            while !line.isEmpty { line.removeLast(); KernelLog.write("\u{8} \u{8}") }
        case 0..<32:
            break  // other control bytes: ignored
        default:
            guard line.count < maximumLine else { UART.put(7); return }
            line.append(byte)
            UART.put(byte)
        }
    }

    static func execute(_ text: String) {
        let words = text.split(separator: " ")
        guard let name = words.first else { return }
        for command in commands where name == String(describingStatic: command.name) {
            command.run(Array(words.dropFirst()))
            return
        }
        print("\(name): unknown command (try 'help')")
    }

    static func help() {
        print("Commands:")
        for command in commands {
            var name = String(describingStatic: command.name)
            while name.utf8.count < 10 { name += " " }
            print("  " + name + String(describingStatic: command.help))
        }
    }

    static func random(_ arguments: [Substring]) {
        var count = 16
        if let first = arguments.first {
            guard let parsed = Int(first), parsed > 0, parsed <= 1 << 20 else {
                print("random: N must be a number from 1 to 1048576")
                return
            }
            count = parsed
        }
        guard let rng = VirtioDevices.rngs.first else {
            print("random: no virtio-rng device")
            return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        let before = (rng.queue.statistics, rng.interruptsTaken)
        let start = GenericTimer.now()
        do {
            try rng.read(into: buffer, timeoutMilliseconds: 2000)
        } catch {
            print(error.message)
            return
        }
        let elapsed = GenericTimer.now().nanoseconds(since: start)
        if count <= 4096 {
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            var line: [UInt8] = []
            for (offset, byte) in buffer.enumerated() {
                line.append(digits[Int(byte >> 4)])
                line.append(digits[Int(byte & 15)])
                if offset % 32 == 31 || offset + 1 == count {
                    print(String(decoding: line, as: UTF8.self))
                    line.removeAll()
                }
            }
        }
        let rate = elapsed > 0 ? UInt64(count) * 1_000_000_000 / elapsed : 0
        print("random: \(count) bytes in \(elapsed / 1000) us (\(rate) bytes/s)")
        let after = rng.queue.statistics
        print("random: \(after.completed - before.0.completed) requests, \(after.kicks - before.0.kicks) kicks, "
              + "\(rng.interruptsTaken - before.1) interrupts")
    }

    static func mem() {
        let image = UInt64(lumen_kernel_end() - lumen_kernel_start())
        let total = Memory.ramSize
        let free = UInt64(Memory.pages.freePages * PageAllocator.pageSize)
        print("RAM:          " + formatBytes(total) + " at " + hex(Memory.ramBase))
        print("kernel image: " + formatBytes(image) + " (" + hex(UInt64(lumen_kernel_start())) + "-" + hex(UInt64(lumen_kernel_end())) + ")")
        print("heap:         " + formatBytes(Memory.heapInUse) + " in use")
        let managed = UInt64(Memory.pages.pageCount * PageAllocator.pageSize)
        print("pages:        " + formatBytes(free) + " free of " + formatBytes(managed))
        print("in use:       \(image + Memory.heapInUse + managed - free) bytes (image, heap, pages)")
    }

    static func uptime() {
        let now = GenericTimer.now().nanoseconds
        let seconds = now / 1_000_000_000
        var millis = String((now / 1_000_000) % 1000)
        while millis.utf8.count < 3 { millis = "0" + millis }
        print("up \(seconds).\(millis) s, \(GenericTimer.interruptCount) timer interrupts")
    }

    static func version() {
        print("Lumen \(Kernel.version)")
        print("FreeType \(FreeTypeLibrary.version)")
        let midr = lumen_read_midr_el1()
        print("CPU: MIDR " + hex(midr) + ", counter at \(GenericTimer.frequency / 1_000_000) MHz")
    }
}

extension String {
    init(describingStatic text: StaticString) {
        self = text.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
