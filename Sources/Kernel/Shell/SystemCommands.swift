import Console
import Drivers
import Entropy
import Keyboard
import KernelSupport
import Platform
import Shell
import Text
import VirtIO

/// The shell's commands about the machine itself: memory, time, devices, the
/// screen, the keyboard, randomness, power. Most report with `print`, which
/// `ConsoleOutput.printing` sends wherever the command's output goes.
struct SystemCommands {
    let machine: Machine

    func command(_ name: String, _ summary: String, usage: String? = nil,
                        _ body: @escaping ([Substring]) -> Int32) -> KernelCommand {
        KernelCommand(name: name, summary: summary, usage: usage ?? name) { context in
            let arguments = context.arguments.map { Substring($0) }
            return machine.output.printing(&context) { body(arguments) }
        }
    }

    func all() -> [KernelCommand] {
        [
            command("mem", "RAM size, kernel image, heap and free pages") { _ in mem(); return 0 },
            command("uptime", "time since boot and timer interrupts taken") { _ in uptime(); return 0 },
            command("date", "the date and time from the real-time clock (UTC)") { _ in
                print(machine.clock.dateText())
                return 0
            },
            command("version", "Lumen, FreeType and CPU versions") { _ in version(); return 0 },
            command("devices", "the virtio device table") { _ in machine.devices.printTable(); return 0 },
            command("display", "the screen, its driver and timings", usage: "display [damage X Y W H | cursor X Y | bench]") {
                DisplayCommands(machine: machine).display($0)
                return 0
            },
            command("edid", "the monitor's EDID from virtio-gpu, in hex and parsed") { _ in DisplayCommands(machine: machine).edid(); return 0 },
            command("clear", "clear the screen and its scrollback") { _ in
                print("\u{1B}[H\u{1B}[2J\u{1B}[3J", terminator: "")
                return 0
            },
            command("vt", "show virtual console N", usage: "vt N (1-4)") { arguments in
                guard let text = arguments.first, let number = Int(text), number >= 1, number <= KernelConsole.consoleCount else {
                    print("usage: vt N (1-\(KernelConsole.consoleCount))")
                    return 2
                }
                machine.console.switchTo(number - 1)
                return 0
            },
            command("font", "the console font size in pixels", usage: "font [size] [N] (N from 6 to 96)") { arguments in
                var words = arguments
                if words.first == "size" { words.removeFirst() }
                guard let text = words.first else {
                    print("font: \(machine.console.fontSize) px" + (machine.console.gridDescription.map { ", " + $0 } ?? ""))
                    return 0
                }
                guard let size = Int(text), size >= 6, size <= 96, machine.console.setFontSize(size) else {
                    print("font: N must be a size from 6 to 96 pixels")
                    return 1
                }
                print("font: \(size) px")
                return 0
            },
            command("input", "keyboards, mice and tablets, and the lock LEDs sent") { _ in
                for line in machine.input.report() { print(line) }
                return 0
            },
            command("keymap", "the keyboard layout", usage: "keymap [NAME] (us, gb, de, fr)") { arguments in
                guard let name = arguments.first else {
                    print("keymap: " + machine.input.keymapName + " (available: " + InputDevices.keymapNames().joined(separator: ", ") + ")")
                    return 0
                }
                if machine.input.loadKeymap(String(name)) {
                    print("keymap: " + String(name))
                    return 0
                }
                print("keymap: no keymap called \(name) (available: " + InputDevices.keymapNames().joined(separator: ", ") + ")")
                return 1
            },
            command("led", "set a keyboard lock and its LED", usage: "led caps|num|scroll on|off") { arguments in
                guard arguments.count == 2, let lock = lockNamed(arguments[0]), arguments[1] == "on" || arguments[1] == "off" else {
                    print("usage: led caps|num|scroll on|off")
                    return 2
                }
                machine.input.setLock(lock, on: arguments[1] == "on")
                print("led: " + InputDevices.lockNames(machine.input.currentLEDs))
                return 0
            },
            command("random", "random bytes from virtio-rng, in hex or to a file",
                    usage: "random [N] [FILE] (N defaults to 16; with FILE the bytes are written to it)") { random($0) },
            command("uuid", "a random (version 4) UUID") { _ in
                print(uuid())
                return 0
            },
            command("poweroff", "turn the machine off (PSCI SYSTEM_OFF)") { _ in
                print("Powering off.")
                machine.files.syncAll(report: { print($0) })
                machine.shutdownDevices()
                machine.psci.powerOff(flushing: machine.output.serial)
            },
            command("reboot", "restart the machine (PSCI SYSTEM_RESET)") { _ in
                print("Rebooting.")
                machine.files.syncAll(report: { print($0) })
                machine.shutdownDevices()
                machine.psci.reset(flushing: machine.output.serial)
            },
        ]
    }

    func lockNamed(_ name: Substring) -> Locks? {
        switch name {
        case "caps": return .capsLock
        case "num": return .numLock
        case "scroll": return .scrollLock
        default: return nil
        }
    }

    /// RFC 4122 version 4: 122 random bits from the entropy pool.
    func uuid() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes { machine.entropy.fill($0) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    func random(_ arguments: [Substring]) -> Int32 {
        var count = 16
        guard arguments.count <= 2 else {
            print("usage: random [N] [FILE]")
            return 2
        }
        if let first = arguments.first {
            guard let parsed = Int(first), parsed > 0, parsed <= 1 << 20 else {
                print("random: N must be a number from 1 to 1048576")
                return 2
            }
            count = parsed
        }
        guard let rng = machine.devices.rngs.first else {
            print("random: no virtio-rng device")
            return 1
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        let before = (rng.queue.statistics, rng.interruptsTaken)
        let start = GenericTimer.now()
        do {
            try rng.read(into: buffer, timeoutMilliseconds: 2000, cancellable: true)
        } catch {
            print(error.message)
            return 1
        }
        let elapsed = GenericTimer.now().nanoseconds(since: start)
        if arguments.count == 2 {
            let path = String(arguments[1])
            do {
                try machine.files.writeFile(path, Array(UnsafeRawBufferPointer(buffer)), append: false)
            } catch {
                print("random: " + error.shellError(path).message)
                return 1
            }
            print("random: wrote \(count) bytes to \(path)")
        } else if count <= 4096 {
            printHex(UnsafeRawBufferPointer(buffer))
        }
        let rate = elapsed > 0 ? UInt64(count) * 1_000_000_000 / elapsed : 0
        print("random: \(count) bytes in \(elapsed / 1000) us (\(rate) bytes/s)")
        let after = rng.queue.statistics
        print("random: \(after.completed - before.0.completed) requests, \(after.kicks - before.0.kicks) kicks, "
              + "\(rng.interruptsTaken - before.1) interrupts")
        return 0
    }

    /// Bytes as lowercase hex, 32 bytes (64 digits) a line.
    func printHex(_ bytes: UnsafeRawBufferPointer) {
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

    func mem() {
        let image = UInt64(lumen_kernel_end() - lumen_kernel_start())
        let total = machine.memory.ramSize
        let free = UInt64(machine.memory.pages.freePages * PageAllocator.pageSize)
        print("RAM:          " + formatBytes(total) + " at " + hex(machine.memory.ramBase))
        print("kernel image: " + formatBytes(image) + " (" + hex(UInt64(lumen_kernel_start())) + "-" + hex(UInt64(lumen_kernel_end())) + ")")
        print("heap:         " + formatBytes(machine.memory.heapInUse) + " in use")
        let managed = UInt64(machine.memory.pages.pageCount * PageAllocator.pageSize)
        print("pages:        " + formatBytes(free) + " free of " + formatBytes(managed))
        print("in use:       \(image + machine.memory.heapInUse + managed - free) bytes (image, heap, pages)")
        // What new work cannot have, the way Linux's RAM less MemAvailable counts
        // it: RAM below the image and the heap's free lists included. The heap
        // grows up into the pages' region, so free pages below its break are not free.
        let available = free > machine.memory.heapInUse ? free - machine.memory.heapInUse : 0
        print("not free:     \(total - available) bytes (RAM less free pages above the heap)")
    }

    func uptime() {
        let now = GenericTimer.now().nanoseconds
        let seconds = now / 1_000_000_000
        var millis = String((now / 1_000_000) % 1000)
        while millis.utf8.count < 3 { millis = "0" + millis }
        print("up \(seconds).\(millis) s, \(machine.timer.interruptCount) timer interrupts")
    }

    func version() {
        print("Lumen \(Machine.version)")
        print("FreeType " + (machine.fonts?.library.versionString ?? "not started"))
        let midr = lumen_read_midr_el1()
        print("CPU: MIDR " + hex(midr) + ", counter at \(machine.timer.frequency / 1_000_000) MHz")
    }
}

extension String {
    init(describingStatic text: StaticString) {
        self = text.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
