import Drivers
import Graphics
import Keyboard
import KernelSupport
import Platform
import VirtIO

typealias KernelInput = VirtioInput<KernelPlatform, KernelTransport>

/// Every virtio-input device: keyboards feed one keyboard state (keymap, locks,
/// autorepeat, xterm encoding), lock changes light the LEDs of every keyboard,
/// mice and tablets move one pointer.
final class InputDevices {
    private(set) var devices: [KernelInput] = []
    /// Whether a mouse or a tablet is attached (the screen then shows a pointer).
    var hasPointer: Bool { devices.contains { $0.info.classes.contains(.mouse) || $0.info.classes.contains(.tablet) } }
    private var keyboard: KeyboardInput
    private(set) var keymapName = "us"
    private var repeatScheduled: UInt64? = nil
    let console: KernelConsole
    let timer: GenericTimer
    let pointer: Pointer
    /// Autorepeat from `lumen.repeat.delay=MS` and `lumen.repeat.rate=PER_SECOND`
    /// (defaults 500 ms and 30/s; rate 0 turns repeat off).
    let autorepeat: Autorepeat

    /// Starts a driver on every virtio-input device; keys go to `console`,
    /// the pointer to `screen`'s consoles.
    init(devices virtio: VirtioDevices, settings: LumenSettings, console: KernelConsole, screen: Screen,
         timer: GenericTimer) {
        self.console = console
        self.timer = timer
        pointer = Pointer(screen: screen, console: console)
        autorepeat = Autorepeat(delayMilliseconds: UInt64(settings.repeatDelay ?? 500),
                                ratePerSecond: UInt32(settings.repeatRate ?? 30))
        keyboard = KeyboardInput(keymap: Keymap.builtinUS, autorepeat: autorepeat)
        if let name = settings.keymap, name != "us" {
            loadKeymap(name, quiet: false)
        } else {
            // us.map parses to the built-in map (KeymapTests checks it): no parse at boot.
            bootLog("keyboard: keymap us")
        }
        let registry = virtio.registry
        while let (index, transport) = registry.claim(type: DeviceType.input, driver: "input") {
            let interrupt = registry.devices[index].interrupt
            do {
                let input = try KernelInput(platform: virtio.platform, transport: transport, interrupt: interrupt)
                registry.recordNegotiated(index, input.features)
                input.frameHandler = { frame in self.handle(frame, from: input) }
                if let interrupt { _ = virtio.platform.registerInterrupt(interrupt) { input.handleInterrupt() } }
                devices.append(input)
                let classes = input.info.classes
                var kinds: [String] = []
                if classes.contains(.keyboard) { kinds.append("keyboard") }
                if classes.contains(.mouse) { kinds.append("mouse") }
                if classes.contains(.tablet) { kinds.append("tablet") }
                registry.recordProblem(index, "\"" + input.info.name + "\" " + (kinds.isEmpty ? "(unused)" : kinds.joined(separator: "+")))
                if classes.contains(.keyboard) { input.setLEDs(currentLEDs) }
            } catch {
                registry.recordProblem(index, error.message)
                registry.release(index)
            }
        }
    }

    /// Picks a keymap by name from the embedded table (us when unknown or broken).
    @discardableResult
    func loadKeymap(_ name: String, quiet: Bool = true) -> Bool {
        guard var entry = lumen_keymaps() else { return false }
        while let namePointer = entry.pointee.name {
            if String(cString: namePointer) == name, let start = entry.pointee.start, let end = entry.pointee.end {
                let bytes = UnsafeRawBufferPointer(start: start, count: start.distance(to: end))
                let parsed: Result<Keymap, KeymapError> = {
                    do throws(KeymapError) { return .success(try Keymap.parse(bytes)) } catch { return .failure(error) }
                }()
                switch parsed {
                case .success(let keymap):
                    keyboard = KeyboardInput(keymap: keymap, locks: keyboard.leds, autorepeat: autorepeat)
                    keymapName = name
                    if !quiet { bootLog("keyboard: keymap \(name)") }
                    return true
                case .failure(let error):
                    bootLog("keyboard: keymap \(name) is broken: " + error.message + "; keeping " + keymapName)
                    return false
                }
            }
            entry += 1
        }
        if !quiet { bootLog("keyboard: no keymap called \(name); using us") }
        return false
    }

    /// Names of the embedded keymaps.
    static func keymapNames() -> [String] {
        var names: [String] = []
        guard var entry = lumen_keymaps() else { return names }
        while let namePointer = entry.pointee.name {
            names.append(String(cString: namePointer))
            entry += 1
        }
        return names
    }

    var currentLEDs: InputLEDs { InputLEDs(rawValue: UInt16(keyboard.leds.rawValue)) }

    /// `led caps on` and friends: the lock changes as if its key were pressed.
    func setLock(_ lock: Locks, on: Bool) {
        var locks = keyboard.leds
        if on { locks.insert(lock) } else { locks.remove(lock) }
        keyboard.state.setLocks(locks)
        deliver(KeyOutput(ledsChanged: true))
    }

    // MARK: - Events

    func handle(_ frame: InputFrame, from device: KernelInput) {
        let classes = device.info.classes
        if classes.contains(.keyboard) || classes.isEmpty {
            // Cursor keys follow the mode the program on the screen asked for (DECCKM).
            keyboard.encoder.applicationCursorKeys = console.applicationCursorKeys
            for event in frame.keyEvents where event.code < 0x100 {
                deliver(keyboard.handleKey(code: event.code, value: event.value, at: GenericTimer.now().nanoseconds))
            }
        }
        if classes.contains(.mouse) || classes.contains(.tablet) {
            pointer.handle(frame, from: device)
        }
        scheduleRepeat()
    }

    /// Sends key bytes to the active console's program and carries out console actions.
    func deliver(_ output: KeyOutput) {
        if output.ledsChanged {
            for device in devices where device.info.classes.contains(.keyboard) { device.setLEDs(currentLEDs) }
            console.setOutputPaused(keyboard.leds.contains(.scrollLock))
        }
        for action in output.actions {
            switch action {
            case .scrollPageUp: console.scrollPage(down: false)
            case .scrollPageDown: console.scrollPage(down: true)
            case .switchConsole(let index): console.switchTo(index)
            case .fontLarger: _ = console.setFontSize(console.fontSize + 2)
            case .fontSmaller: _ = console.setFontSize(console.fontSize - 2)
            case .fontReset: _ = console.setFontSize(console.configuredPixelSize)
            }
        }
        if !output.bytes.isEmpty { console.input(output.bytes) }
    }

    /// Software autorepeat: one timer at the next repeat deadline.
    func scheduleRepeat() {
        guard let deadline = keyboard.nextDeadline else { return }
        if let scheduled = repeatScheduled, scheduled <= deadline { return }
        repeatScheduled = deadline
        let now = GenericTimer.now().nanoseconds
        let milliseconds = deadline > now ? (deadline - now + 999_999) / 1_000_000 : 0
        timer.schedule(afterMilliseconds: milliseconds) {
            self.repeatScheduled = nil
            self.keyboard.encoder.applicationCursorKeys = self.console.applicationCursorKeys
            self.deliver(self.keyboard.tick(at: GenericTimer.now().nanoseconds))
            self.scheduleRepeat()
        }
    }

    /// One line per device for the `input` command.
    func report() -> [String] {
        var lines = ["keymap " + keymapName + ", locks:" + InputDevices.lockNames(InputLEDs(rawValue: UInt16(keyboard.leds.rawValue)))]
        for (index, device) in devices.enumerated() {
            let classes = device.info.classes
            var kinds: [String] = []
            if classes.contains(.keyboard) { kinds.append("keyboard") }
            if classes.contains(.mouse) { kinds.append("mouse") }
            if classes.contains(.tablet) { kinds.append("tablet") }
            var line = "\(index + 1): \"" + device.info.name + "\" " + (kinds.isEmpty ? "unused" : kinds.joined(separator: "+"))
            if classes.contains(.keyboard) { line += ", LEDs" + InputDevices.lockNames(device.sentLEDs ?? []) }
            lines.append(line)
        }
        return lines
    }

    static func lockNames(_ leds: InputLEDs) -> String {
        var names = ""
        if leds.contains(.capsLock) { names += " caps" }
        if leds.contains(.numLock) { names += " num" }
        if leds.contains(.scrollLock) { names += " scroll" }
        return names.isEmpty ? " none" : names
    }

    func shutdownAll() {
        for device in devices { device.shutdown() }
    }
}
