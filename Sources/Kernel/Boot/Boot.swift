import DeviceTree
import Drivers
import KernelSupport
import Platform
import Scheduling
import Text

/// Kernel-wide facts.
enum Kernel {
    static let version = "0.1.0"
    static var machine = MachineDescription()
    static var settings = LumenSettings()
    static let platform = KernelPlatform()
}

/// Entry from start.S with the MMU on, caches on, .bss clear and TLS set.
/// `x0` is whatever the loader left in x0 (QEMU passes the DTB only to Linux images).
@_cdecl("lumen_main")
func lumenMain(_ x0: UInt64, _ entryLevel: UInt64) -> Never {
    Boot.entryLevel = entryLevel
    Boot.start(registerX0: x0)
}

enum Boot {
    /// QEMU virt puts the device tree at the start of RAM for a bare ELF kernel.
    static let ramStart: UInt64 = 0x4000_0000
    static let maximumTreeSize = 2 << 20
    /// The exception level QEMU started us at (2 with `virtualization=on`); we run at EL1.
    static var entryLevel: UInt64 = 1

    static func start(registerX0: UInt64) -> Never {
        lumen_console_putc = { ConsoleOutput.put($0) }

        // 1. The device tree: RAM size first, without a heap.
        // No arrays here: nothing may allocate before the heap exists.
        guard let tree = locateDeviceTree(at: registerX0) ?? locateDeviceTree(at: ramStart) else {
            KernelLog.write("boot: no valid device tree at x0 or the start of RAM; cannot size memory\nSystem halted.\n")
            haltForever()
        }
        guard let ram = MachineDescription.firstMemoryRange(in: tree) else {
            KernelLog.write("boot: the device tree has no memory node\nSystem halted.\n")
            haltForever()
        }
        lumen_mmu_limit_ram(ram.end)
        Memory.initialize(ramBase: ram.base, ramSize: ram.size)

        // 2. The heap works from here on.
        let machine = MachineDescription(tree: tree)
        Kernel.machine = machine
        if let uart = machine.uart, let window = Kernel.platform.mapDevice(base: uart.registers.base, size: Int(uart.registers.size)) {
            UART.attach(window)
        }
        PSCI.usesSMC = machine.psciUsesSMC

        // 3. Threads (the boot context becomes the events thread), interrupts, the timer.
        EventLoop.initialize()
        Threads.start(bootThreadName: "events", priority: .driver)
        SerialOutput.start()
        let distributor = machine.gicDistributor ?? PhysicalRange(base: 0x0800_0000, size: 0x1_0000)
        let cpuInterface = machine.gicCPUInterface ?? PhysicalRange(base: 0x0801_0000, size: 0x1_0000)
        guard let gicd = Kernel.platform.mapDevice(base: distributor.base, size: Int(distributor.size)),
              let gicc = Kernel.platform.mapDevice(base: cpuInterface.base, size: Int(cpuInterface.size))
        else {
            KernelLog.write("boot: the GIC is outside device memory\nSystem halted.\n")
            haltForever()
        }
        GIC.initialize(distributor: gicd, cpu: gicc)
        GenericTimer.initialize(interrupt: machine.virtualTimerInterrupt)
        _ = EventLoop.register(machine.virtualTimerInterrupt) { GenericTimer.expire() }
        if let irq = machine.uart?.interrupt {
            // The serial port is console 1's input whichever console is on the screen.
            _ = EventLoop.register(irq) { UART.drainReceived { KernelConsole.input([$0], console: 0) } }
            UART.enableReceiveInterrupts()
        }
        lumen_irq_enable()

        // 4. The banner.
        print("")
        bootLog("Lumen \(Kernel.version) (Embedded Swift, aarch64) on QEMU virt")
        bootLog("RAM: " + formatBytes(machine.totalMemory) + " at " + hex(ram.base)
              + ", kernel image " + formatBytes(UInt64(lumen_kernel_end() - lumen_kernel_start())))
        bootLog("command line: " + (machine.bootArguments.isEmpty ? "(empty)" : machine.bootArguments))
        startFreeType()
        bootLog("device tree: \(machine.virtioMMIO.count) virtio-mmio slots, UART " + hex(UART.registers.base)
              + ", GIC " + hex(distributor.base) + ", timer \(GenericTimer.frequency / 1_000_000) MHz")
        bootLog("CPU: core 0 of \(machine.cpuCount), entered at EL\(entryLevel), running at EL1, MMU and caches on")

        // 5. Devices (the real-time clock first: files written from now on get its time).
        Clock.start()
        FirmwareConfig.start()
        VirtioDevices.start()
        Display.start()
        VirtioDevices.printTable(log: bootLog)
        KernelEntropy.start()

        // 6. Test hooks requested on the command line.
        runTestOptions()

        let ready = GenericTimer.now().nanoseconds
        if Screen.backend != .none {
            if Kernel.settings.test == "pattern" {
                Screen.redraw = { TestPattern.draw() }
                Screen.redraw?()
            } else {
                KernelConsole.start()
            }
            Screen.present()
            print("display: first frame at \(GenericTimer.now().nanoseconds / 1_000_000) ms")
            Screen.startRenderThread()
        }
        print("ready in \(ready / 1_000_000) ms; type 'help' for commands")
        Threads.spawn(name: "shell", priority: .shell, stackKiB: 256) { KernelShell.run() }
        EventLoop.run()
    }

    /// The device tree at `address`, if a valid one is there (without allocating).
    static func locateDeviceTree(at address: UInt64) -> DeviceTree? {
        guard address >= ramStart, address & 7 == 0, address < UInt64(lumen_kernel_start()),
              let header = UnsafeRawPointer(bitPattern: UInt(address)) else { return nil }
        let room = min(Int(UInt64(lumen_kernel_start()) - address), maximumTreeSize)
        guard room >= 8, let total = DeviceTree.totalSize(ofHeader: UnsafeRawBufferPointer(start: header, count: 8)) else { return nil }
        do {
            return try DeviceTree(bytes: UnsafeRawBufferPointer(start: header, count: min(total, room)))
        } catch {
            KernelLog.write("boot: device tree at ")
            KernelLog.writeHex(address)
            KernelLog.write(" rejected: ")
            KernelLog.write(error.summary)
            KernelLog.write("\n")
            return nil
        }
    }

    static func startFreeType() {
        do throws(FontError) {
            try KernelFonts.start()
            guard let library = KernelFonts.library, let regular = KernelFonts.fonts?.regular else { return }
            bootLog("FreeType \(library.versionString): " + regular.familyName + " " + regular.styleName
                    + ", \(regular.glyphCount) glyphs, 4 faces embedded")
        } catch {
            bootLog("FreeType: failed to start: " + error.description)
        }
    }

    static func runTestOptions() {
        if Kernel.settings.test == "fault" {
            print("lumen.test=fault: reading unmapped address 0xdead0000000")
            _ = lumen_touch(0xdead_0000_000)
        }
    }
}
