/// Keys the console keeps for itself: they never reach the program.
public enum ConsoleAction: Equatable {
    /// Shift+PgUp / Shift+PgDn: scroll the scrollback by a page.
    case scrollPageUp
    case scrollPageDown
    /// Alt+F1 … (Ctrl+Alt+F1 too): switch to virtual console n (0-based).
    case switchConsole(Int)
    /// Ctrl+= (or Ctrl++), Ctrl+-, Ctrl+0: font size.
    case fontLarger
    case fontSmaller
    case fontReset
}

/// What key events produced: bytes for the program (in order), console
/// actions, and whether the lock LEDs must be updated.
public struct KeyOutput: Equatable {
    public var bytes: [UInt8]
    public var actions: [ConsoleAction]
    /// A lock toggled: send `KeyboardState.locks` to every keyboard.
    public var ledsChanged: Bool

    public init(bytes: [UInt8] = [], actions: [ConsoleAction] = [], ledsChanged: Bool = false) {
        self.bytes = bytes
        self.actions = actions
        self.ledsChanged = ledsChanged
    }

    public var isEmpty: Bool { bytes.isEmpty && actions.isEmpty && !ledsChanged }
}

/// Turns key presses into what a terminal program expects from an xterm:
/// UTF-8 text, control codes, escape sequences with modifier parameters.
public struct KeyEncoder: Equatable {
    /// DECCKM (`CSI ? 1 h`): arrows, Home and End send SS3 instead of CSI.
    public var applicationCursorKeys = false
    /// How many consoles Alt+Fn switches between (Alt+F1 … Alt+F`consoleCount`).
    public var consoleCount = 4

    public init(applicationCursorKeys: Bool = false, consoleCount: Int = 4) {
        self.applicationCursorKeys = applicationCursorKeys
        self.consoleCount = consoleCount
    }

    public func encode(_ press: KeyPress) -> KeyOutput {
        var output = KeyOutput()
        encode(press, into: &output)
        return output
    }

    /// Appends what `press` produces to `output`.
    public func encode(_ press: KeyPress, into output: inout KeyOutput) {
        if let accent = press.pendingAccent { ByteText.appendUTF8(accent, to: &output.bytes) }
        let modifiers = press.modifiers
        switch press.symbol {
        case .none, .dead, .modifier, .lock:
            return
        case .character(let scalar):
            if let action = consoleAction(character: scalar, modifiers: modifiers) {
                output.actions.append(action)
                return
            }
            if modifiers.alt { output.bytes.append(0x1B) }
            if modifiers.control, let control = KeyEncoder.controlCode(scalar) {
                output.bytes.append(control)
            } else {
                ByteText.appendUTF8(scalar, to: &output.bytes)
            }
        case .key(let key):
            if let action = consoleAction(key: key, modifiers: modifiers) {
                output.actions.append(action)
                return
            }
            encode(key, modifiers: modifiers, into: &output.bytes)
        }
    }

    // MARK: - Console actions

    func consoleAction(character: Unicode.Scalar, modifiers: Modifiers) -> ConsoleAction? {
        guard modifiers.control && !modifiers.alt else { return nil }
        switch character {
        case "=", "+": return .fontLarger
        case "-": return .fontSmaller
        case "0": return .fontReset
        default: return nil
        }
    }

    func consoleAction(key: SpecialKey, modifiers: Modifiers) -> ConsoleAction? {
        switch key {
        case .pageUp where modifiers.shift && !modifiers.control && !modifiers.alt: return .scrollPageUp
        case .pageDown where modifiers.shift && !modifiers.control && !modifiers.alt: return .scrollPageDown
        case .function(let number) where modifiers.alt && !modifiers.shift && Int(number) <= consoleCount:
            return .switchConsole(Int(number) - 1)
        default: return nil
        }
    }

    // MARK: - Characters

    /// The control code Ctrl+`scalar` sends, or nil if it has none (then the
    /// character is sent as it is). Ctrl+@, Ctrl+A … Ctrl+_ (letters either
    /// case), Ctrl+Space and Ctrl+2 → NUL, Ctrl+3…7 → ESC, FS, GS, RS, US,
    /// Ctrl+8 and Ctrl+? → DEL, Ctrl+/ → US, as xterm does.
    public static func controlCode(_ scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        switch value {
        case 0x40...0x5F: return UInt8(value - 0x40)        // @ A … Z [ \ ] ^ _
        case 0x61...0x7A: return UInt8(value - 0x60)        // a … z
        case 0x20: return 0x00                              // space
        case 0x32: return 0x00                              // 2
        case 0x33...0x37: return UInt8(value - 0x33 + 0x1B) // 3 4 5 6 7 → ESC FS GS RS US
        case 0x38: return 0x7F                              // 8
        case 0x2F: return 0x1F                              // /
        case 0x3F: return 0x7F                              // ?
        default: return nil
        }
    }

    // MARK: - Special keys

    /// The xterm modifier parameter: 1 + Shift 1 + Alt 2 + Ctrl 4 + Meta 8
    /// (AltGr does not count); 1 means none.
    public static func modifierParameter(_ modifiers: Modifiers) -> Int {
        var value = 1
        if modifiers.shift { value += 1 }
        if modifiers.alt { value += 2 }
        if modifiers.control { value += 4 }
        if modifiers.meta { value += 8 }
        return value
    }

    func encode(_ key: SpecialKey, modifiers: Modifiers, into bytes: inout [UInt8]) {
        let parameter = KeyEncoder.modifierParameter(modifiers)
        switch key {
        case .enter:
            if modifiers.alt { bytes.append(0x1B) }
            bytes.append(0x0D)
        case .backspace:
            if modifiers.alt { bytes.append(0x1B) }
            bytes.append(modifiers.control ? 0x08 : 0x7F)
        case .tab:
            if modifiers.shift {
                bytes += [0x1B, 0x5B, 0x5A]  // CSI Z (back tab)
            } else {
                if modifiers.alt { bytes.append(0x1B) }
                bytes.append(0x09)
            }
        case .escape:
            if modifiers.alt { bytes.append(0x1B) }
            bytes.append(0x1B)
        case .up: cursor(UInt8(ascii: "A"), parameter, into: &bytes)
        case .down: cursor(UInt8(ascii: "B"), parameter, into: &bytes)
        case .right: cursor(UInt8(ascii: "C"), parameter, into: &bytes)
        case .left: cursor(UInt8(ascii: "D"), parameter, into: &bytes)
        case .home: cursor(UInt8(ascii: "H"), parameter, into: &bytes)
        case .end: cursor(UInt8(ascii: "F"), parameter, into: &bytes)
        case .begin: cursor(UInt8(ascii: "E"), parameter, into: &bytes)
        case .insert: tilde(2, parameter, into: &bytes)
        case .delete: tilde(3, parameter, into: &bytes)
        case .pageUp: tilde(5, parameter, into: &bytes)
        case .pageDown: tilde(6, parameter, into: &bytes)
        case .function(let number):
            switch number {
            case 1...4:
                let final = UInt8(ascii: "P") + number - 1
                if parameter == 1 {
                    bytes += [0x1B, UInt8(ascii: "O"), final]
                } else {
                    bytes += [0x1B, UInt8(ascii: "["), UInt8(ascii: "1"), UInt8(ascii: ";")]
                    appendDecimal(parameter, to: &bytes)
                    bytes.append(final)
                }
            case 5...20:
                let codes: [Int] = [15, 17, 18, 19, 20, 21, 23, 24, 25, 26, 28, 29, 31, 32, 33, 34]
                tilde(codes[Int(number) - 5], parameter, into: &bytes)
            default:
                break
            }
        }
    }

    /// Arrows, Home, End, keypad 5: `CSI x` (SS3 x in application cursor mode),
    /// `CSI 1 ; m x` with modifiers.
    private func cursor(_ final: UInt8, _ parameter: Int, into bytes: inout [UInt8]) {
        if parameter != 1 {
            bytes += [0x1B, UInt8(ascii: "["), UInt8(ascii: "1"), UInt8(ascii: ";")]
            appendDecimal(parameter, to: &bytes)
        } else if applicationCursorKeys {
            bytes += [0x1B, UInt8(ascii: "O")]
        } else {
            bytes += [0x1B, UInt8(ascii: "[")]
        }
        bytes.append(final)
    }

    /// `CSI n ~`, `CSI n ; m ~` with modifiers.
    private func tilde(_ number: Int, _ parameter: Int, into bytes: inout [UInt8]) {
        bytes += [0x1B, UInt8(ascii: "[")]
        appendDecimal(number, to: &bytes)
        if parameter != 1 {
            bytes.append(UInt8(ascii: ";"))
            appendDecimal(parameter, to: &bytes)
        }
        bytes.append(UInt8(ascii: "~"))
    }

    private func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}

/// Keyboard state, autorepeat and encoder together: what a console needs to
/// turn `EV_KEY` events into bytes and actions.
///
///     // EV_KEY from any keyboard:
///     let out = input.handleKey(code: event.code, value: event.value, at: now)
///     // timer at input.nextDeadline:
///     let out = input.tick(at: now)
///     // then: out.bytes → program, out.actions → console,
///     // out.ledsChanged → every keyboard's setLEDs(input.state.locks.rawValue)
public struct KeyboardInput {
    public var state: KeyboardState
    public var autorepeat: Autorepeat
    public var encoder: KeyEncoder

    public init(keymap: Keymap, locks: Locks = [], autorepeat: Autorepeat = Autorepeat(), encoder: KeyEncoder = KeyEncoder()) {
        state = KeyboardState(keymap: keymap, locks: locks)
        self.autorepeat = autorepeat
        self.encoder = encoder
    }

    /// The lock state, as the LED bitmap (bit n = evdev LED code n).
    public var leds: Locks { state.locks }

    /// When `tick` next has work (a repeat), or nil.
    public var nextDeadline: UInt64? { autorepeat.nextDeadline }

    /// One `EV_KEY` event (value 0 release, 1 press, 2 repeat) at `now` nanoseconds.
    public mutating func handleKey(code: UInt16, value: Int32, at now: UInt64) -> KeyOutput {
        let event = state.handle(code: code, value: value)
        var output = KeyOutput(ledsChanged: event.ledsChanged)
        if value == 0 { autorepeat.release(code) }
        if let press = event.press {
            if !press.isRepeat {
                if press.repeats { autorepeat.press(code, at: now) } else { autorepeat.cancel() }
            }
            encoder.encode(press, into: &output)
        }
        return output
    }

    /// Repeats due at `now`.
    public mutating func tick(at now: UInt64) -> KeyOutput {
        var output = KeyOutput()
        guard let code = autorepeat.code else { return output }
        let count = autorepeat.poll(at: now)
        for _ in 0..<count {
            guard let press = state.repeatPress(code: code) else {
                autorepeat.cancel()
                break
            }
            encoder.encode(press, into: &output)
        }
        return output
    }
}
