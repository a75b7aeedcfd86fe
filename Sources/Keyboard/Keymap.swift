/// One key of a keymap: its symbols at the four shift levels (plain, Shift,
/// AltGr, Shift+AltGr) and how the locks affect it.
public struct KeymapEntry: Equatable {
    public var plain: KeySymbol
    /// nil: Shift does not change the key (the plain symbol).
    public var shifted: KeySymbol?
    /// nil: AltGr does not change the key (the plain/Shift symbols apply).
    public var altGr: KeySymbol?
    /// nil: Shift does not change the AltGr symbol.
    public var shiftedAltGr: KeySymbol?
    /// Caps Lock inverts Shift for the plain/Shift pair (letters only).
    public var capsLockPlain: Bool
    /// Caps Lock inverts Shift for the AltGr/Shift+AltGr pair (letters only).
    public var capsLockAltGr: Bool
    /// A keypad key: Num Lock on selects `shifted` (the digit), off selects
    /// `plain` (navigation); Shift does not choose.
    public var keypad: Bool

    /// An entry whose Caps Lock behaviour follows from its symbols: a level pair
    /// is a letter (affected by Caps Lock) when the Shift symbol is the
    /// uppercase of the unshifted one.
    public init(plain: KeySymbol, shifted: KeySymbol? = nil, altGr: KeySymbol? = nil, shiftedAltGr: KeySymbol? = nil,
                keypad: Bool = false) {
        self.plain = plain
        self.shifted = shifted
        self.altGr = altGr
        self.shiftedAltGr = shiftedAltGr
        self.keypad = keypad
        capsLockPlain = !keypad && CaseMapping.isUppercasePair(lower: plain, upper: shifted)
        capsLockAltGr = !keypad && CaseMapping.isUppercasePair(lower: altGr, upper: shiftedAltGr)
    }

    /// The symbol for the held modifiers and the locks.
    public func symbol(modifiers: Modifiers, locks: Locks) -> KeySymbol {
        if keypad {
            return locks.contains(.numLock) ? (shifted ?? plain) : plain
        }
        let caps = locks.contains(.capsLock)
        if modifiers.altGr, let third = altGr {
            let upper = modifiers.shift != (capsLockAltGr && caps)
            return upper ? (shiftedAltGr ?? third) : third
        }
        let upper = modifiers.shift != (capsLockPlain && caps)
        return upper ? (shifted ?? plain) : plain
    }
}

/// A keyboard layout: evdev key code → `KeymapEntry`, for codes below
/// `KeyCode.limit`. Loaded from a `.map` file (see `parse`) over `defaults`,
/// which already covers the keys every layout shares (modifiers, locks, Enter,
/// Backspace, Tab, Escape, Space, F1–F24, the navigation block, the keypad).
///
/// Keymap file format (UTF-8, one key per line):
///
///     # comment (a line whose first non-blank character is #)
///     CODE  PLAIN  [SHIFT  [ALTGR  [SHIFT+ALTGR]]]  [:flag …]
///
/// - CODE: the evdev key code, decimal (`16`), hex (`0x10`) or by its
///   `input-event-codes.h` name (`KEY_Q`); 1–255, each code at most once.
/// - A symbol is one character written as itself (`q`, `@`, `é`, `#`, `:`),
///   `U+XXXX` (any scalar, e.g. `U+00A0`), `none`, a dead key (`dead_grave`,
///   `dead_acute`, `dead_circumflex`, `dead_tilde`, `dead_diaeresis`,
///   `dead_cedilla`, `dead_caron`, `dead_abovering`, `dead_macron`,
///   `dead_breve`, `dead_doubleacute`, `dead_ogonek`, `dead_abovedot`,
///   `dead_belowdot`), or a named key: `space`, `Escape`, `Return`,
///   `KP_Enter`, `BackSpace`, `Tab`, `Insert`, `Delete`, `Home`, `End`,
///   `Prior`/`Page_Up`, `Next`/`Page_Down`, `Up`, `Down`, `Left`, `Right`,
///   `Begin`, `F1`…`F24`, `Shift_L`, `Shift_R`, `Control_L`, `Control_R`,
///   `Alt_L`, `Alt_R`, `AltGr` (= `ISO_Level3_Shift`), `Meta_L`/`Super_L`,
///   `Meta_R`/`Super_R`, `Caps_Lock`, `Num_Lock`, `Scroll_Lock`.
/// - Omitted levels: no SHIFT → Shift does not change the key; no ALTGR →
///   AltGr does not change it; no SHIFT+ALTGR → Shift does not change the AltGr
///   symbol.
/// - Flags: `:keypad` (Num Lock, not Shift, selects the second symbol),
///   `:caps` / `:nocaps` (force whether Caps Lock affects the key; by default
///   it does exactly when SHIFT is the uppercase of PLAIN, per level pair).
/// - Fields are separated by spaces or tabs; CR before LF and a leading BOM are
///   ignored; there are no trailing comments.
public struct Keymap: Equatable {
    private var entries: [KeymapEntry?]

    /// An empty keymap: no key does anything.
    public init() {
        entries = Array(repeating: nil, count: KeyCode.limit)
    }

    public func entry(for code: UInt16) -> KeymapEntry? {
        Int(code) < entries.count ? entries[Int(code)] : nil
    }

    public mutating func setEntry(_ entry: KeymapEntry?, for code: UInt16) {
        if Int(code) < entries.count { entries[Int(code)] = entry }
    }

    /// The codes that have an entry.
    public var definedCodes: [UInt16] {
        var codes: [UInt16] = []
        for index in entries.indices where entries[index] != nil { codes.append(UInt16(index)) }
        return codes
    }

    // MARK: - Parsing

    /// Parses one keymap file over `defaults`; throws the first error.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(KeymapError) -> Keymap {
        var parser = KeymapParser(stopAtFirstError: true)
        let keymap = parser.parse(bytes)
        if let first = parser.errors.first { throw first }
        return keymap
    }

    /// Parses one keymap file over `defaults`, skipping bad lines: the keymap
    /// from every good line, and an error for each bad one (at most
    /// `KeymapParser.maximumErrors`).
    public static func parseCollectingErrors(_ bytes: UnsafeRawBufferPointer) -> (keymap: Keymap, errors: [KeymapError]) {
        var parser = KeymapParser(stopAtFirstError: false)
        let keymap = parser.parse(bytes)
        return (keymap, parser.errors)
    }

    // MARK: - Built-in tables

    /// The keys every layout shares; keymap files are applied over these.
    public static var defaults: Keymap {
        var map = Keymap()
        func set(_ code: UInt16, _ plain: KeySymbol, _ shifted: KeySymbol? = nil, keypad: Bool = false) {
            map.setEntry(KeymapEntry(plain: plain, shifted: shifted, keypad: keypad), for: code)
        }
        set(KeyCode.escape, .key(.escape))
        set(KeyCode.backspace, .key(.backspace))
        set(KeyCode.tab, .key(.tab))
        set(KeyCode.enter, .key(.enter))
        set(KeyCode.space, .character(" "))
        set(KeyCode.leftCtrl, .modifier(.controlLeft))
        set(KeyCode.rightCtrl, .modifier(.controlRight))
        set(KeyCode.leftShift, .modifier(.shiftLeft))
        set(KeyCode.rightShift, .modifier(.shiftRight))
        set(KeyCode.leftAlt, .modifier(.altLeft))
        set(KeyCode.rightAlt, .modifier(.altGr))
        set(KeyCode.leftMeta, .modifier(.metaLeft))
        set(KeyCode.rightMeta, .modifier(.metaRight))
        set(KeyCode.capsLock, .lock(.capsLock))
        set(KeyCode.numLock, .lock(.numLock))
        set(KeyCode.scrollLock, .lock(.scrollLock))
        let functionCodes: [UInt16] = [KeyCode.f1, KeyCode.f2, KeyCode.f3, KeyCode.f4, KeyCode.f5, KeyCode.f6,
                                       KeyCode.f7, KeyCode.f8, KeyCode.f9, KeyCode.f10, KeyCode.f11, KeyCode.f12]
        for (index, code) in functionCodes.enumerated() { set(code, .key(.function(UInt8(index + 1)))) }
        for index in 0..<12 { set(KeyCode.f13 + UInt16(index), .key(.function(UInt8(13 + index)))) }
        set(KeyCode.home, .key(.home))
        set(KeyCode.end, .key(.end))
        set(KeyCode.pageUp, .key(.pageUp))
        set(KeyCode.pageDown, .key(.pageDown))
        set(KeyCode.insert, .key(.insert))
        set(KeyCode.delete, .key(.delete))
        set(KeyCode.up, .key(.up))
        set(KeyCode.down, .key(.down))
        set(KeyCode.left, .key(.left))
        set(KeyCode.right, .key(.right))
        set(KeyCode.keypad7, .key(.home), .character("7"), keypad: true)
        set(KeyCode.keypad8, .key(.up), .character("8"), keypad: true)
        set(KeyCode.keypad9, .key(.pageUp), .character("9"), keypad: true)
        set(KeyCode.keypad4, .key(.left), .character("4"), keypad: true)
        set(KeyCode.keypad5, .key(.begin), .character("5"), keypad: true)
        set(KeyCode.keypad6, .key(.right), .character("6"), keypad: true)
        set(KeyCode.keypad1, .key(.end), .character("1"), keypad: true)
        set(KeyCode.keypad2, .key(.down), .character("2"), keypad: true)
        set(KeyCode.keypad3, .key(.pageDown), .character("3"), keypad: true)
        set(KeyCode.keypad0, .key(.insert), .character("0"), keypad: true)
        set(KeyCode.keypadDot, .key(.delete), .character("."), keypad: true)
        set(KeyCode.keypadSlash, .character("/"))
        set(KeyCode.keypadAsterisk, .character("*"))
        set(KeyCode.keypadMinus, .character("-"))
        set(KeyCode.keypadPlus, .character("+"))
        set(KeyCode.keypadEnter, .key(.enter))
        set(KeyCode.keypadEqual, .character("="))
        set(KeyCode.keypadComma, .character(","))
        return map
    }

    /// US English, built in (the same as assets/keymaps/us.map): the fallback
    /// when no keymap file is available.
    public static var builtinUS: Keymap {
        var map = Keymap.defaults
        func row(_ first: UInt16, _ plain: StaticString, _ shifted: StaticString) {
            let count = min(plain.utf8CodeUnitCount, shifted.utf8CodeUnitCount)
            for index in 0..<count {
                let entry = KeymapEntry(plain: .character(Unicode.Scalar(plain.utf8Start[index])),
                                        shifted: .character(Unicode.Scalar(shifted.utf8Start[index])))
                map.setEntry(entry, for: first + UInt16(index))
            }
        }
        row(KeyCode.digit1, "1234567890-=", "!@#$%^&*()_+")
        row(KeyCode.q, "qwertyuiop[]", "QWERTYUIOP{}")
        row(KeyCode.a, "asdfghjkl;'`", "ASDFGHJKL:\"~")
        row(KeyCode.backslash, "\\", "|")
        row(KeyCode.z, "zxcvbnm,./", "ZXCVBNM<>?")
        row(KeyCode.key102nd, "<", ">")
        map.setEntry(KeymapEntry(plain: .modifier(.altRight)), for: KeyCode.rightAlt)
        return map
    }
}

/// A keymap file problem, with the line it is on (1-based).
public struct KeymapError: Error, Equatable {
    public enum Reason: Equatable {
        case invalidUTF8
        /// The first field is not a number or a known `KEY_` name.
        case badKeyCode(String)
        case keyCodeOutOfRange(Int)
        case noSymbols
        case tooManySymbols(Int)
        case unknownSymbol(String)
        case badCodePoint(String)
        case unknownFlag(String)
        case duplicateKey(code: Int, firstLine: Int)
    }

    public var line: Int
    public var reason: Reason

    public init(line: Int, reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var message: String {
        let detail: String
        switch reason {
        case .invalidUTF8: detail = "not valid UTF-8"
        case .badKeyCode(let text): detail = "'" + text + "' is not a key code (a number or a KEY_ name)"
        case .keyCodeOutOfRange(let code): detail = "key code \(code) is out of range (1-\(KeyCode.limit - 1))"
        case .noSymbols: detail = "a key code needs at least one symbol"
        case .tooManySymbols(let count): detail = "\(count) symbols; a key has at most 4 (plain, shift, altgr, shift+altgr)"
        case .unknownSymbol(let text): detail = "unknown symbol '" + text + "'"
        case .badCodePoint(let text): detail = "'" + text + "' is not a valid U+XXXX code point"
        case .unknownFlag(let text): detail = "unknown flag '" + text + "' (known: :keypad :caps :nocaps)"
        case .duplicateKey(let code, let firstLine): detail = "key code \(code) is already defined on line \(firstLine)"
        }
        return "line \(line): " + detail
    }
}

/// The keymap file parser (format: see `Keymap`).
public struct KeymapParser {
    /// Collecting stops after this many errors (a binary file is not worth a million).
    public static let maximumErrors = 100

    public private(set) var errors: [KeymapError] = []
    let stopAtFirstError: Bool

    init(stopAtFirstError: Bool) { self.stopAtFirstError = stopAtFirstError }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> Keymap {
        var keymap = Keymap.defaults
        var definedOn = [Int](repeating: 0, count: KeyCode.limit)
        var start = 0
        var lineNumber = 0
        // Skip a UTF-8 byte order mark.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
            start = end + 1
            switch parseLine(line) {
            case .skip:
                continue
            case .failure(let reason):
                if errors.count < KeymapParser.maximumErrors { errors.append(KeymapError(line: lineNumber, reason: reason)) }
                if stopAtFirstError { return keymap }
            case .entry(let code, let entry):
                if definedOn[Int(code)] != 0 {
                    if errors.count < KeymapParser.maximumErrors {
                        errors.append(KeymapError(line: lineNumber,
                                                  reason: .duplicateKey(code: Int(code), firstLine: definedOn[Int(code)])))
                    }
                    if stopAtFirstError { return keymap }
                    continue
                }
                definedOn[Int(code)] = lineNumber
                keymap.setEntry(entry, for: code)
            }
        }
        return keymap
    }

    enum LineResult {
        case skip
        case entry(UInt16, KeymapEntry)
        case failure(KeymapError.Reason)
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    func parseLine(_ line: UnsafeRawBufferPointer) -> LineResult {
        // Split into fields.
        var fields: [Range<Int>] = []
        var index = 0
        while index < line.count {
            while index < line.count && KeymapParser.isBlank(line[index]) { index += 1 }
            guard index < line.count else { break }
            let fieldStart = index
            while index < line.count && !KeymapParser.isBlank(line[index]) { index += 1 }
            fields.append(fieldStart..<index)
        }
        guard let first = fields.first else { return .skip }
        if line[first.lowerBound] == UInt8(ascii: "#") { return .skip }
        guard ByteText.decodeUTF8(line) != nil else { return .failure(.invalidUTF8) }

        // The key code.
        let codeField = UnsafeRawBufferPointer(rebasing: line[first])
        let code: Int
        if let number = KeymapParser.parseNumber(codeField) {
            code = number
        } else if let named = KeyCode.code(named: codeField) {
            code = Int(named)
        } else {
            return .failure(.badKeyCode(KeymapParser.text(codeField)))
        }
        guard code > 0 && code < KeyCode.limit else { return .failure(.keyCodeOutOfRange(code)) }

        // Symbols and flags.
        var symbols: [KeySymbol] = []
        var keypad = false
        var caps: Bool? = nil
        for range in fields.dropFirst() {
            let field = UnsafeRawBufferPointer(rebasing: line[range])
            if field.count > 1 && field[0] == UInt8(ascii: ":") {
                if ByteText.equals(field, ":keypad") { keypad = true }
                else if ByteText.equals(field, ":caps") { caps = true }
                else if ByteText.equals(field, ":nocaps") { caps = false }
                else { return .failure(.unknownFlag(KeymapParser.text(field))) }
                continue
            }
            switch KeymapParser.parseSymbol(field) {
            case .success(let symbol): symbols.append(symbol)
            case .failure(let reason): return .failure(reason)
            }
        }
        guard !symbols.isEmpty else { return .failure(.noSymbols) }
        guard symbols.count <= 4 else { return .failure(.tooManySymbols(symbols.count)) }
        var entry = KeymapEntry(plain: symbols[0],
                                shifted: symbols.count > 1 ? symbols[1] : nil,
                                altGr: symbols.count > 2 ? symbols[2] : nil,
                                shiftedAltGr: symbols.count > 3 ? symbols[3] : nil,
                                keypad: keypad)
        if let caps {
            entry.capsLockPlain = caps && !keypad
            entry.capsLockAltGr = caps && !keypad && symbols.count > 2
        }
        return .entry(UInt16(code), entry)
    }

    enum SymbolResult {
        case success(KeySymbol)
        case failure(KeymapError.Reason)
    }

    static func parseSymbol(_ field: UnsafeRawBufferPointer) -> SymbolResult {
        guard let scalars = ByteText.decodeUTF8(field) else { return .failure(.invalidUTF8) }
        if scalars.count == 1 { return .success(.character(scalars[0])) }
        if ByteText.equals(field, "none") { return .success(.none) }
        if ByteText.hasPrefix(field, "U+") || ByteText.hasPrefix(field, "u+") {
            let digits = UnsafeRawBufferPointer(rebasing: field[2...])
            guard digits.count >= 1, digits.count <= 6, let value = parseHex(digits),
                  let scalar = Unicode.Scalar(value) else {
                return .failure(.badCodePoint(text(field)))
            }
            return .success(.character(scalar))
        }
        if ByteText.hasPrefix(field, "dead_") {
            for dead in DeadKey.allCases where ByteText.equals(field, dead.name) { return .success(.dead(dead)) }
            return .failure(.unknownSymbol(text(field)))
        }
        if field.count >= 2 && field.count <= 3 && field[0] == UInt8(ascii: "F"),
           let number = parseNumber(UnsafeRawBufferPointer(rebasing: field[1...])), number >= 1, number <= 24 {
            return .success(.key(.function(UInt8(number))))
        }
        for (name, symbol) in namedSymbols where ByteText.equals(field, name) { return .success(symbol) }
        return .failure(.unknownSymbol(text(field)))
    }

    static let namedSymbols: [(StaticString, KeySymbol)] = [
        ("space", .character(" ")),
        ("Escape", .key(.escape)), ("Return", .key(.enter)), ("KP_Enter", .key(.enter)),
        ("BackSpace", .key(.backspace)), ("Tab", .key(.tab)), ("Insert", .key(.insert)), ("Delete", .key(.delete)),
        ("Home", .key(.home)), ("End", .key(.end)), ("Prior", .key(.pageUp)), ("Page_Up", .key(.pageUp)),
        ("Next", .key(.pageDown)), ("Page_Down", .key(.pageDown)), ("Up", .key(.up)), ("Down", .key(.down)),
        ("Left", .key(.left)), ("Right", .key(.right)), ("Begin", .key(.begin)),
        ("Shift_L", .modifier(.shiftLeft)), ("Shift_R", .modifier(.shiftRight)),
        ("Control_L", .modifier(.controlLeft)), ("Control_R", .modifier(.controlRight)),
        ("Alt_L", .modifier(.altLeft)), ("Alt_R", .modifier(.altRight)),
        ("AltGr", .modifier(.altGr)), ("ISO_Level3_Shift", .modifier(.altGr)),
        ("Meta_L", .modifier(.metaLeft)), ("Meta_R", .modifier(.metaRight)),
        ("Super_L", .modifier(.metaLeft)), ("Super_R", .modifier(.metaRight)),
        ("Caps_Lock", .lock(.capsLock)), ("Num_Lock", .lock(.numLock)), ("Scroll_Lock", .lock(.scrollLock)),
    ]

    /// A decimal or `0x` hexadecimal number of at most 6 digits.
    static func parseNumber(_ field: UnsafeRawBufferPointer) -> Int? {
        if field.count > 2 && field[0] == UInt8(ascii: "0") && (field[1] == UInt8(ascii: "x") || field[1] == UInt8(ascii: "X")) {
            let digits = UnsafeRawBufferPointer(rebasing: field[2...])
            guard digits.count <= 6, let value = parseHex(digits) else { return nil }
            return Int(value)
        }
        guard field.count >= 1 && field.count <= 6 else { return nil }
        var value = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func parseHex(_ digits: UnsafeRawBufferPointer) -> UInt32? {
        guard digits.count >= 1 && digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// A field as text for an error message (lossy for bad UTF-8, cut at 40 bytes).
    static func text(_ field: UnsafeRawBufferPointer) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: field.prefix(40)), as: UTF8.self)
    }
}
