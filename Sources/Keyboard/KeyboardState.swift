/// A key press after the keymap, the modifiers, the locks and dead keys: what
/// `KeyEncoder` turns into bytes or a console action.
public struct KeyPress: Equatable {
    /// The evdev key code.
    public var code: UInt16
    /// The symbol to act on. A dead key's composition is already applied
    /// (´ then e gives `.character("é")`); a dead key itself arrives as `.dead`
    /// and types nothing yet.
    public var symbol: KeySymbol
    /// The accent of a dead key that did not compose with this key: typed
    /// before `symbol` (´ then x types "´x").
    public var pendingAccent: Unicode.Scalar?
    /// Modifiers held when the key went down (or repeated).
    public var modifiers: Modifiers
    /// An autorepeat (or a repeat the device reported), not the first press.
    public var isRepeat: Bool

    public init(code: UInt16, symbol: KeySymbol, pendingAccent: Unicode.Scalar? = nil, modifiers: Modifiers = [],
                isRepeat: Bool = false) {
        self.code = code
        self.symbol = symbol
        self.pendingAccent = pendingAccent
        self.modifiers = modifiers
        self.isRepeat = isRepeat
    }

    /// Whether holding the key should autorepeat: characters and special keys
    /// do; modifiers, locks and dead keys do not.
    public var repeats: Bool {
        switch symbol {
        case .character, .key: return true
        case .none, .dead, .modifier, .lock: return false
        }
    }
}

/// What one key event did to the keyboard.
public struct KeyboardEvent: Equatable {
    /// A press (or repeat) to encode; nil for releases, modifiers and locks.
    public var press: KeyPress?
    /// A lock toggled: send the new `locks` to every keyboard's LEDs.
    public var ledsChanged: Bool

    public init(press: KeyPress? = nil, ledsChanged: Bool = false) {
        self.press = press
        self.ledsChanged = ledsChanged
    }
}

/// The keyboard's state across keys: held keys, modifiers (left and right),
/// Caps/Num/Scroll Lock and a pending dead key. Feed it every `EV_KEY` event
/// (from every keyboard: they share one state, as on a PC).
public struct KeyboardState {
    public var keymap: Keymap
    public private(set) var modifiers: Modifiers = []
    public private(set) var locks: Locks
    public private(set) var pendingDeadKey: DeadKey? = nil
    /// Whether repeats the device reports (value 2, or a second press without a
    /// release) produce key presses. Off by default: `Autorepeat` repeats, and
    /// QEMU forwards the host's repeats as extra presses, which would double them.
    public var acceptsDeviceRepeats = false

    /// One bit per key code below `KeyCode.limit`.
    private var held: [UInt64] = [0, 0, 0, 0]
    /// How many held keys produce each modifier (index: `ModifierKey.rawValue`).
    private var modifierCounts: [UInt8] = Array(repeating: 0, count: 9)

    public init(keymap: Keymap, locks: Locks = []) {
        self.keymap = keymap
        self.locks = locks
    }

    public func isHeld(_ code: UInt16) -> Bool {
        guard Int(code) < KeyCode.limit else { return false }
        return held[Int(code) >> 6] & (1 << UInt64(code & 63)) != 0
    }

    private mutating func setHeld(_ code: UInt16, _ down: Bool) {
        let bit: UInt64 = 1 << UInt64(code & 63)
        if down { held[Int(code) >> 6] |= bit } else { held[Int(code) >> 6] &= ~bit }
    }

    /// Sets the locks (e.g. to sync after a keyboard appears). Does not report
    /// "LEDs changed": the caller knows.
    public mutating func setLocks(_ locks: Locks) { self.locks = locks }

    /// Forgets every held key and modifier and a pending dead key (after a
    /// keyboard was reset or removed, when releases may have been lost).
    public mutating func releaseAll() {
        held = [0, 0, 0, 0]
        modifierCounts = Array(repeating: 0, count: 9)
        modifiers = []
        pendingDeadKey = nil
    }

    /// One `EV_KEY` event: `value` 0 release, 1 press, 2 repeat (others are
    /// ignored, as are codes without a keymap entry and buttons ≥ 256).
    public mutating func handle(code: UInt16, value: Int32) -> KeyboardEvent {
        guard Int(code) < KeyCode.limit else { return KeyboardEvent() }
        let wasHeld = isHeld(code)
        switch value {
        case 0:
            guard wasHeld else { return KeyboardEvent() }
            setHeld(code, false)
            if let entry = keymap.entry(for: code), case .modifier(let key) = entry.plain {
                let index = Int(key.rawValue)
                if modifierCounts[index] > 0 { modifierCounts[index] -= 1 }
                if modifierCounts[index] == 0 { modifiers.remove(key.modifier) }
            }
            return KeyboardEvent()
        case 1, 2:
            if wasHeld || value == 2 {
                guard acceptsDeviceRepeats, wasHeld else { return KeyboardEvent() }
                return KeyboardEvent(press: repeatPress(code: code))
            }
            setHeld(code, true)
            guard let entry = keymap.entry(for: code) else { return KeyboardEvent() }
            switch entry.plain {
            case .modifier(let key):
                let index = Int(key.rawValue)
                if modifierCounts[index] < 255 { modifierCounts[index] += 1 }
                modifiers.insert(key.modifier)
                return KeyboardEvent()
            case .lock(let key):
                locks.formSymmetricDifference(key.lock)
                return KeyboardEvent(ledsChanged: true)
            default:
                let symbol = entry.symbol(modifiers: modifiers, locks: locks)
                return KeyboardEvent(press: press(code: code, symbol: symbol, isRepeat: false))
            }
        default:
            return KeyboardEvent()
        }
    }

    /// A repeat of a held key (for `Autorepeat`), resolved with the modifiers
    /// and locks of now; nil if the key is not held or does not repeat.
    public mutating func repeatPress(code: UInt16) -> KeyPress? {
        guard isHeld(code), let entry = keymap.entry(for: code) else { return nil }
        switch entry.plain {
        case .modifier, .lock: return nil
        default: break
        }
        let symbol = entry.symbol(modifiers: modifiers, locks: locks)
        let result = KeyPress(code: code, symbol: symbol, modifiers: modifiers, isRepeat: true)
        guard result.repeats else { return nil }
        return press(code: code, symbol: symbol, isRepeat: true)
    }

    /// Applies a pending dead key to a press.
    private mutating func press(code: UInt16, symbol resolved: KeySymbol, isRepeat: Bool) -> KeyPress {
        var symbol = resolved
        var accent: Unicode.Scalar? = nil
        // With Ctrl or Alt a dead key is its plain accent (Ctrl+^ is a control code).
        if case .dead(let dead) = symbol, modifiers.control || modifiers.alt {
            symbol = .character(dead.spacing)
        }
        if let pending = pendingDeadKey {
            switch symbol {
            case .dead(let next):
                if next == pending {
                    pendingDeadKey = nil
                    symbol = .character(pending.spacing)
                } else {
                    accent = pending.spacing
                    pendingDeadKey = next
                }
            case .character(let base):
                pendingDeadKey = nil
                if base == " " {
                    symbol = .character(pending.spacing)
                } else if !modifiers.control && !modifiers.alt, let composed = pending.compose(base) {
                    symbol = .character(composed)
                } else {
                    accent = pending.spacing
                }
            case .key:
                pendingDeadKey = nil
                accent = pending.spacing
            case .none, .modifier, .lock:
                break
            }
        } else if case .dead(let dead) = symbol {
            pendingDeadKey = dead
        }
        return KeyPress(code: code, symbol: symbol, pendingAccent: accent, modifiers: modifiers, isRepeat: isRepeat)
    }
}
