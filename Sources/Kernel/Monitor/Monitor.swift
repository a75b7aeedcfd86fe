import Text
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
        Command(name: "vt", help: "vt N: show virtual console N (1-4)", run: { arguments in
            guard let text = arguments.first, let number = Int(text), number >= 1, number <= KernelConsole.consoleCount else {
                print("usage: vt N (1-\(KernelConsole.consoleCount))")
                return
            }
            KernelConsole.switchTo(number - 1)
        }),
        Command(name: "font", help: "font [N]: the console font size in pixels (6-96)", run: { arguments in
            guard let text = arguments.first else {
                print("font: \(KernelConsole.renderer?.cache.pixelSize ?? 0) px")
                return
            }
            guard let size = Int(text), size >= 6, size <= 96, KernelConsole.setFontSize(size) else {
                print("font: N must be a size from 6 to 96 pixels")
                return
            }
            print("font: \(size) px")
        }),
        Command(name: "input", help: "keyboards, mice and tablets, and the lock LEDs sent", run: { _ in
            for line in InputDevices.report() { print(line) }
        }),
        Command(name: "keymap", help: "keymap [NAME]: the keyboard layout (us, gb, de, fr)", run: { arguments in
            guard let name = arguments.first else {
                print("keymap: " + InputDevices.keymapName + " (available: " + InputDevices.keymapNames.joined(separator: ", ") + ")")
                return
            }
            if InputDevices.loadKeymap(String(name)) { print("keymap: " + String(name)) }
            else { print("keymap: no keymap called \(name) (available: " + InputDevices.keymapNames.joined(separator: ", ") + ")") }
        }),
        Command(name: "cat-bench", help: "cat-bench [BYTES]: text throughput of console 1 (default 1 MiB)", run: { arguments in
            let count = arguments.first.flatMap { Int($0) } ?? (1 << 20)
            guard count > 0, count <= 16 << 20, KernelConsole.started else {
                print("cat-bench: needs a display and BYTES from 1 to 16777216")
                return
            }
            let nanoseconds = KernelConsole.benchmarkText(bytes: count)
            let rate = nanoseconds > 0 ? UInt64(count) * 1_000_000_000 / nanoseconds : 0
            print("cat-bench: \(count) bytes in \(nanoseconds / 1_000_000) ms (\(rate) bytes/s); "
                  + "\(KernelConsole.frames) frames, \(KernelConsole.drawingNanoseconds / 1_000_000) ms drawing")
        }),
        Command(name: "echo", help: "echo TEXT: print TEXT (\\e \\a \\n \\t \\\\ \\xHH escapes)", run: { arguments in
            var bytes = Monitor.unescape(arguments.joined(separator: " "))
            bytes.append(10)
            for byte in bytes { ConsoleOutput.put(byte) }
        }),
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
        ConsoleOutput.write(prompt)
    }

    /// One byte from the serial port.
    static func receive(_ byte: UInt8) {
        switch byte {
        case 13, 10:  // Enter
            ConsoleOutput.write("\n")
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll()
            execute(text)
            ConsoleOutput.write(prompt)
        case 8, 127:  // Backspace / Delete
            if !line.isEmpty {
                // Remove a whole UTF-8 character: continuation bytes first.
                while let last = line.last, last & 0xc0 == 0x80 { line.removeLast() }
                if !line.isEmpty { line.removeLast() }
                ConsoleOutput.write("\u{8} \u{8}")
            }
        case 3:  // Ctrl-C
            line.removeAll()
            ConsoleOutput.write("^C\n")
            ConsoleOutput.write(prompt)
        case 21:  // Ctrl-U
            while !line.isEmpty { line.removeLast(); ConsoleOutput.write("\u{8} \u{8}") }
        case 0..<32:
            break  // other control bytes: ignored
        default:
            guard line.count < maximumLine else { ConsoleOutput.put(7); return }
            line.append(byte)
            ConsoleOutput.put(byte)
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

    /// Backslash escapes of `echo`: \e (ESC), \a (BEL), \n, \r, \t, \\, \xHH.
    static func unescape(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: return byte - 48
            case 97...102: return byte - 87
            case 65...70: return byte - 55
            default: return nil
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == 92, index < bytes.count else { out.append(byte); continue }
            let code = bytes[index]
            index += 1
            switch code {
            case UInt8(ascii: "e"): out.append(27)
            case UInt8(ascii: "a"): out.append(7)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "x"):
                if index + 1 < bytes.count, let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) {
                    out.append(high << 4 | low)
                    index += 2
                } else {
                    out.append(contentsOf: [92, code])
                }
            default: out.append(code)
            }
        }
        return out
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
            printHex(UnsafeRawBufferPointer(buffer))
        }
        let rate = elapsed > 0 ? UInt64(count) * 1_000_000_000 / elapsed : 0
        print("random: \(count) bytes in \(elapsed / 1000) us (\(rate) bytes/s)")
        let after = rng.queue.statistics
        print("random: \(after.completed - before.0.completed) requests, \(after.kicks - before.0.kicks) kicks, "
              + "\(rng.interruptsTaken - before.1) interrupts")
    }

    /// Bytes as lowercase hex, 32 bytes (64 digits) a line.
    static func printHex(_ bytes: UnsafeRawBufferPointer) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var line: [UInt8] = []
        for (offset, byte) in bytes.enumerated() {
            line.append(digits[Int(byte >> 4)])
            line.append(digits[Int(byte & 15)])
            if offset % 32 == 31 || offset + 1 == bytes.count {
                print(String(decoding: line, as: UTF8.self))
                line.removeAll()
            }
        }
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
        print("FreeType " + (KernelFonts.library?.versionString ?? "not started"))
        let midr = lumen_read_midr_el1()
        print("CPU: MIDR " + hex(midr) + ", counter at \(GenericTimer.frequency / 1_000_000) MHz")
    }
}

extension String {
    init(describingStatic text: StaticString) {
        self = text.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
