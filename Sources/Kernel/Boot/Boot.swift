import DeviceTree
import Drivers
import KernelSupport
import Platform
import Scheduling
import Storage
import Text

/// Entry from start.S with the MMU on, caches on, .bss clear and TLS set.
/// `x0` is whatever the loader left in x0 (QEMU passes the DTB only to Linux images).
@_cdecl("lumen_main")
func lumenMain(_ x0: UInt64, _ entryLevel: UInt64) -> Never {
    Boot.start(registerX0: x0, entryLevel: entryLevel)
}

/// Builds the machine's objects in dependency order and hands each what it
/// needs. The boot context becomes the `events` thread as soon as threads
/// exist, and the devices are brought up on the `shell` thread, which then runs
/// the shell: a driver's first waits at boot (a disk's mount, the GPU's first
/// commands) are answered by interrupts whose bottom halves the events thread
/// runs meanwhile. (Booting on the events thread itself left each line masked
/// after its first interrupt, so every later request of the boot waited for
/// the drivers' 10 ms poll: 120 ms to mount a disk.)
enum Boot {
    /// QEMU virt puts the device tree at the start of RAM for a bare ELF kernel.
    static let ramStart: UInt64 = 0x4000_0000
    static let maximumTreeSize = 2 << 20

    static func start(registerX0: UInt64, entryLevel: UInt64) -> Never {
        lumen_console_putc = { byte in
            if let output = ConsoleOutput.installed { output.put(byte) } else { UART.put(byte) }
        }

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
        let memory = PhysicalMemory.start(ramBase: ram.base, ramSize: ram.size)

        // 2. The heap works from here on.
        let description = MachineDescription(tree: tree)
        if let uart = description.uart, let window = KernelPlatform.mapDevice(base: uart.registers.base, size: Int(uart.registers.size)) {
            UART.attach(window)
        }

        // 3. Interrupts, the timer, threads (the boot context becomes the events
        // thread), the serial mirror and console 1's tty.
        let distributor = description.gicDistributor ?? PhysicalRange(base: 0x0800_0000, size: 0x1_0000)
        let cpuInterface = description.gicCPUInterface ?? PhysicalRange(base: 0x0801_0000, size: 0x1_0000)
        guard let gicd = KernelPlatform.mapDevice(base: distributor.base, size: Int(distributor.size)),
              let gicc = KernelPlatform.mapDevice(base: cpuInterface.base, size: Int(cpuInterface.size))
        else {
            KernelLog.write("boot: the GIC is outside device memory\nSystem halted.\n")
            haltForever()
        }
        let timer = GenericTimer(interrupt: description.virtualTimerInterrupt)
        let events = EventLoop(gic: GIC(distributor: gicd, cpu: gicc), timer: timer)
        EventLoop.installed = events
        let platform = KernelPlatform(memory: memory, events: events)
        Threads.start(bootThreadName: "events", priority: .driver, memory: memory, timer: timer)
        _ = events.register(description.virtualTimerInterrupt) { timer.expire() }
        let start = BringUp(description: description, memory: memory, platform: platform, events: events,
                            timer: timer, ramBase: ram.base, gicDistributor: distributor.base, entryLevel: entryLevel)
        guard Threads.spawn(name: "shell", priority: .shell, stackKiB: 256, { bringUp(start) }) != nil else {
            KernelLog.write("boot: no memory for the shell thread\nSystem halted.\n")
            haltForever()
        }
        lumen_irq_enable()
        events.run()
    }

    /// What `start` hands the shell thread to bring the machine up with.
    struct BringUp {
        let description: MachineDescription
        let memory: PhysicalMemory
        let platform: KernelPlatform
        let events: EventLoop
        let timer: GenericTimer
        let ramBase: UInt64
        let gicDistributor: UInt64
        let entryLevel: UInt64
    }

    /// The shell thread: devices, display, consoles and the rest, then the shell.
    static func bringUp(_ start: BringUp) {
        let description = start.description, memory = start.memory, platform = start.platform
        let events = start.events, timer = start.timer, entryLevel = start.entryLevel
        let serial = SerialOutput()
        serial.start()
        let clock = Clock(machine: description)
        let console = KernelConsole(timer: timer, clock: clock)
        let output = ConsoleOutput(serial: serial, console: console)
        ConsoleOutput.installed = output
        if let irq = description.uart?.interrupt {
            // The serial port is console 1's input whichever console is on the screen.
            _ = events.register(irq) { UART.drainReceived { console.input([$0], console: 0) } }
            UART.enableReceiveInterrupts()
        }

        // 4. The banner.
        print("")
        bootLog("Lumen \(Machine.version) (Embedded Swift, aarch64) on QEMU virt")
        bootLog("RAM: " + formatBytes(description.totalMemory) + " at " + hex(start.ramBase)
              + ", kernel image " + formatBytes(UInt64(lumen_kernel_end() - lumen_kernel_start())))
        bootLog("command line: " + (description.bootArguments.isEmpty ? "(empty)" : description.bootArguments))
        bootLog("device tree: \(description.virtioMMIO.count) virtio-mmio slots, UART " + hex(UART.registers.base)
              + ", GIC " + hex(start.gicDistributor) + ", timer \(timer.frequency / 1_000_000) MHz")
        bootLog("CPU: core 0 of \(description.cpuCount), entered at EL\(entryLevel), running at EL1, MMU and caches on")

        // 5. Devices (the real-time clock first: files written from now on get its time).
        let (firmware, settings) = FirmwareConfig.start(machine: description, platform: platform)
        let devices = VirtioDevices(platform: platform, machine: description, settings: settings)
        // The screen next, before the fonts: the display lights up (its mode
        // set) as early as it can, the console then shows the rest of the boot
        // as it happens, and the first frame waits for no disk, network or
        // entropy. (Under TCG the first run of any code costs its translation:
        // FreeType's first glyphs alone take about 15 ms.)
        let screen = Screen(platform: platform)
        Display.start(screen, settings: settings, devices: devices, firmware: firmware)
        let fonts = startFreeType()
        if screen.backend != .none {
            if settings.test == "pattern" {
                screen.redraw = { TestPattern.draw(on: screen) }
                screen.redraw?()
            } else if let fonts {
                console.start(screen: screen, fonts: fonts.fonts, pixelSize: settings.fontSize,
                              blink: settings.consoleBlink, version: Machine.version)
            }
            screen.present()
            print("display: first frame at \(GenericTimer.now().nanoseconds / 1_000_000) ms")
            screen.startRenderThread()
        }
        devices.startEntropyDevices()
        let entropy = KernelEntropy(rng: devices.rngs.first, timer: timer)
        KernelEntropy.installed = entropy
        let disks = Disks(devices: devices) { Files.timestamp(clock: clock) }
        let files = Files(disks: disks)
        let net = Net.start(devices: devices, events: events, timer: timer, entropy: entropy, settings: settings)
        let httpd = HTTPServer(files: files, net: net)
        let input = InputDevices(devices: devices, settings: settings, console: console, screen: screen, timer: timer)
        if input.hasPointer { _ = screen.preparePointerCursor() }
        // In one write: a line another thread logs meanwhile (DHCP's answer, from
        // the events thread) comes before or after the table, not inside it.
        output.write(Array(devices.tableText().utf8))
        let machine = Machine(description: description, settings: settings, entryLevel: entryLevel, memory: memory,
                              platform: platform, events: events, timer: timer,
                              psci: PSCI(usesSMC: description.psciUsesSMC), output: output, console: console,
                              clock: clock, devices: devices, entropy: entropy, disks: disks, files: files, net: net,
                              httpd: httpd, input: input, screen: screen, fonts: fonts)

        // 6. Test hooks requested on the command line.
        runTestOptions(settings)

        let ready = GenericTimer.now().nanoseconds
        print("ready in \(ready / 1_000_000) ms; type 'help' for commands")
        KernelShell(machine: machine).run()
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

    static func startFreeType() -> KernelFonts? {
        do throws(FontError) {
            let fonts = try KernelFonts()
            let regular = fonts.fonts.regular
            bootLog("FreeType \(fonts.library.versionString): " + regular.familyName + " " + regular.styleName
                    + ", \(regular.glyphCount) glyphs, 4 faces embedded")
            return fonts
        } catch {
            bootLog("FreeType: failed to start: " + error.description)
            return nil
        }
    }

    static func runTestOptions(_ settings: LumenSettings) {
        if settings.test == "fault" {
            print("lumen.test=fault: reading unmapped address 0xdead0000000")
            _ = lumen_touch(0xdead_0000_000)
        }
    }
}
