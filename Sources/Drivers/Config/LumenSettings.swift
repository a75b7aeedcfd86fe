// Lumen's settings, the one parser for them: which display to use, its
// resolution, (for the console) the font size and keymap, and the test and
// measurement options (`test`, `virtio.*`, `tcp.batch_ack`, `rng.request`,
// `console.blink`, `repeat.*`). They come from two `key=value` texts:
//
//  - the fw_cfg file "opt/lumen/config" (`-fw_cfg name=opt/lumen/config,file=…`
//    or `,string=…`; QEMU reserves names under "opt/" for users), keys bare:
//        # Lumen settings
//        display=ramfb
//        resolution = 1280x800
//        font.size=16 keymap=de
//  - the kernel command line (`-append`), where only words starting with
//    "lumen." are Lumen's and the rest is left alone:
//        console=ttyAMA0 lumen.display=virtio-gpu lumen.resolution=1024x768
//
// Precedence: defaults < fw_cfg file < command line: apply the file, then the
// command line, to the same `LumenSettings` (`LumenSettings.load` does).
//
// Syntax: settings are separated by whitespace (spaces, tabs, newlines, NULs);
// `#` outside quotes starts a comment up to the end of the line; in the file,
// `key = value` with spaces around `=` works when key, `=` and value are on one
// line (on the command line too, except `key= value`, where Linux's rule that
// `key=` is an empty value wins); double
// quotes group (and are removed), as on a Linux command line. Keys and the
// display and keymap values are case-insensitive (kept lowercase). A later
// setting of a key replaces an earlier one.
//
// Bad input never fails: an unknown key or a word without `=` is a warning; a
// malformed value is a warning naming the key and value, and the previous value
// stays.

/// Which display device to drive.
public enum DisplayChoice: Equatable {
    /// virtio-gpu if there is one, else ramfb.
    case auto
    case virtioGPU
    case ramfb

    /// The setting's spelling: "auto", "virtio-gpu", "ramfb".
    public var name: String {
        switch self {
        case .auto: return "auto"
        case .virtioGPU: return "virtio-gpu"
        case .ramfb: return "ramfb"
        }
    }

    /// Parses a (lowercase) setting value.
    public init?(name: String) {
        switch name {
        case "auto": self = .auto
        case "virtio-gpu": self = .virtioGPU
        case "ramfb": self = .ramfb
        default: return nil
        }
    }
}

public struct LumenSettings {
    /// The fw_cfg file holding the settings.
    public static let fwCfgFileName = "opt/lumen/config"
    /// The prefix of Lumen's words on the kernel command line.
    public static let commandLinePrefix = "lumen."
    /// Resolution bounds, inclusive.
    public static let minimumResolution = (width: 320, height: 200)
    public static let maximumResolution = (width: 8192, height: 8192)
    /// Font size bounds in pixels, inclusive.
    public static let minimumFontSize = 6
    public static let maximumFontSize = 96
    /// Longest keymap name.
    public static let maximumKeymapLength = 32

    /// `display`: auto | virtio-gpu | ramfb. Default auto.
    public var display: DisplayChoice = .auto
    /// `resolution`: WIDTHxHEIGHT, or auto (nil: the display's preferred mode).
    public var resolution: (width: Int, height: Int)? = nil
    /// `font.size`: pixels, or auto (nil: the console's default).
    public var fontSize: Int? = nil
    /// `keymap`: a layout name of letters, digits, `-`, `_`, `.` (nil: the default).
    public var keymap: String? = nil

    // Test and measurement options.
    /// `test`: a test hook at boot, `fault` (touch an unmapped address) or
    /// `pattern` (draw the test pattern instead of the console).
    public var test: String? = nil
    /// `virtio.event_idx`, `virtio.indirect`, `virtio.csum` (virtio-net's
    /// checksum offload both ways): `off` keeps the feature from being negotiated.
    public var virtioEventIndex = true
    public var virtioIndirect = true
    public var virtioChecksum = true
    /// `tcp.batch_ack`: segments one ACK may cover within a receive batch (2 … 64).
    public var tcpBatchAck: Int? = nil
    /// `rng.request`: bytes per virtio-rng request (16 … 65536).
    public var rngRequest: Int? = nil
    /// `console.blink`: `off` keeps the cursor steady (for measurements).
    public var consoleBlink = true
    /// `repeat.delay` (50 … 5000 ms) and `repeat.rate` (0 … 100 per second; 0: no repeat).
    public var repeatDelay: Int? = nil
    public var repeatRate: Int? = nil
    /// What was ignored, in order, each naming where it came from.
    public var warnings: [String] = []

    public init() {}

    /// Applies settings from the fw_cfg file then the command line (either may be
    /// absent): defaults < file < command line.
    public static func load(fwCfgConfig: UnsafeRawBufferPointer?, commandLine: UnsafeRawBufferPointer?) -> LumenSettings {
        var settings = LumenSettings()
        if let file = fwCfgConfig { settings.apply(configText: file, prefix: nil) }
        if let line = commandLine { settings.apply(configText: line, prefix: commandLinePrefix) }
        return settings
    }

    /// `load` for strings.
    public static func load(fwCfgConfig: String?, commandLine: String?) -> LumenSettings {
        var settings = LumenSettings()
        if let file = fwCfgConfig { settings.apply(configText: file, prefix: nil) }
        if let line = commandLine { settings.apply(configText: line, prefix: commandLinePrefix) }
        return settings
    }

    /// Applies every setting in `configText`. With a `prefix` (the command line's
    /// "lumen."), only words whose key starts with it count and the rest are
    /// ignored silently; without one (the fw_cfg file) every word is a setting.
    /// `origin` starts each warning; by default "command line" with a prefix,
    /// else "opt/lumen/config".
    public mutating func apply(configText: UnsafeRawBufferPointer, prefix: String?, origin: String? = nil) {
        var text: [UInt8] = []
        text.reserveCapacity(configText.count)
        for byte in configText { text.append(byte) }
        apply(text: text, prefix: prefix, origin: origin)
    }

    /// `apply` for a string.
    public mutating func apply(configText: String, prefix: String?, origin: String? = nil) {
        apply(text: Array(configText.utf8), prefix: prefix, origin: origin)
    }

    private mutating func apply(text: [UInt8], prefix: String?, origin: String?) {
        let origin = origin ?? (prefix == nil ? LumenSettings.fwCfgFileName : "command line")
        let prefixBytes = prefix.map { LumenSettings.lowercased(Array($0.utf8)) }
        var scanner = SettingsScanner(text: text)
        while scanner.skipSpaceAndComments() {
            let word = scanner.word()
            var key: [UInt8], value: [UInt8]?
            if let equals = word.equalsAt {
                key = Array(word.bytes[..<equals])
                value = Array(word.bytes[(equals + 1)...])
                // "key= value" in the file: the value is the next word on the line.
                // (On the command line "key=" is an empty value, as in Linux.)
                if prefix == nil && !word.quoted && equals == word.bytes.count - 1 && scanner.takeHorizontalSpace()
                    && scanner.atValueOnSameLine() {
                    value = scanner.word().bytes
                }
            } else if scanner.takeDetachedEquals() {
                key = word.bytes
                value = scanner.atValueOnSameLine() ? scanner.word().bytes : []
            } else {
                key = word.bytes
                value = nil
            }
            let written = key  // as the user wrote it, prefix included
            key = LumenSettings.lowercased(key)
            if let prefixBytes {
                guard key.starts(with: prefixBytes) else { continue }
                key.removeFirst(prefixBytes.count)
            }
            let writtenKey = LumenSettings.quoted(written)
            guard let value else {
                warnings.append(origin + ": \"" + writtenKey + "\" has no value (expected key=value); ignored")
                continue
            }
            let valueText = LumenSettings.quoted(value)
            if let problem = set(key: String(decoding: key, as: UTF8.self), value: value) {
                switch problem {
                case .unknownKey:
                    warnings.append(origin + ": unknown setting \"" + writtenKey + "\" ignored")
                case .badValue(let expected, let previous):
                    warnings.append(origin + ": " + writtenKey + "=" + valueText + ": expected " + expected
                                    + "; keeping " + previous)
                }
            }
        }
    }

    enum Problem {
        case unknownKey
        case badValue(expected: String, previous: String)
    }

    /// Sets one (lowercase, unprefixed) key; nil when it took.
    private mutating func set(key: String, value raw: [UInt8]) -> Problem? {
        switch key {
        case "display":
            if let choice = DisplayChoice(name: String(decoding: LumenSettings.lowercased(raw), as: UTF8.self)) {
                display = choice
                return nil
            }
            return .badValue(expected: "auto, virtio-gpu or ramfb", previous: display.name)
        case "resolution":
            if LumenSettings.lowercased(raw) == Array("auto".utf8) {
                resolution = nil
                return nil
            }
            if let size = LumenSettings.parseResolution(raw) {
                resolution = size
                return nil
            }
            let low = LumenSettings.minimumResolution, high = LumenSettings.maximumResolution
            return .badValue(expected: "WIDTHxHEIGHT from \(low.width)x\(low.height) to \(high.width)x\(high.height), or auto",
                             previous: resolutionName)
        case "font.size":
            if LumenSettings.lowercased(raw) == Array("auto".utf8) {
                fontSize = nil
                return nil
            }
            if let size = LumenSettings.parseNumber(raw[...]),
               size >= LumenSettings.minimumFontSize && size <= LumenSettings.maximumFontSize {
                fontSize = size
                return nil
            }
            return .badValue(expected: "a size in pixels from \(LumenSettings.minimumFontSize) to \(LumenSettings.maximumFontSize), or auto",
                             previous: fontSize.map { "\($0)" } ?? "auto")
        case "keymap":
            let name = LumenSettings.lowercased(raw)
            if !name.isEmpty && name.count <= LumenSettings.maximumKeymapLength && name.allSatisfy(LumenSettings.isKeymapCharacter) {
                keymap = String(decoding: name, as: UTF8.self)
                return nil
            }
            return .badValue(expected: "a keymap name of up to \(LumenSettings.maximumKeymapLength) letters, digits, '-', '_' or '.'",
                             previous: keymap ?? "default")
        case "test":
            let name = String(decoding: LumenSettings.lowercased(raw), as: UTF8.self)
            guard name == "fault" || name == "pattern" else {
                return .badValue(expected: "fault or pattern", previous: test ?? "none")
            }
            test = name
            return nil
        case "virtio.event_idx": return setSwitch(&virtioEventIndex, raw)
        case "virtio.indirect": return setSwitch(&virtioIndirect, raw)
        case "virtio.csum": return setSwitch(&virtioChecksum, raw)
        case "console.blink": return setSwitch(&consoleBlink, raw)
        case "tcp.batch_ack": return setNumber(&tcpBatchAck, raw, 2, 64)
        case "rng.request": return setNumber(&rngRequest, raw, 16, 65536)
        case "repeat.delay": return setNumber(&repeatDelay, raw, 50, 5000)
        case "repeat.rate": return setNumber(&repeatRate, raw, 0, 100)
        default:
            return .unknownKey
        }
    }

    /// `on` or `off`.
    private func setSwitch(_ flag: inout Bool, _ raw: [UInt8]) -> Problem? {
        switch String(decoding: LumenSettings.lowercased(raw), as: UTF8.self) {
        case "on": flag = true
        case "off": flag = false
        default: return .badValue(expected: "on or off", previous: flag ? "on" : "off")
        }
        return nil
    }

    /// A whole number in `low ... high`.
    private func setNumber(_ number: inout Int?, _ raw: [UInt8], _ low: Int, _ high: Int) -> Problem? {
        guard let value = LumenSettings.parseNumber(raw[...]), value >= low, value <= high else {
            return .badValue(expected: "a number from \(low) to \(high)", previous: number.map { "\($0)" } ?? "default")
        }
        number = value
        return nil
    }

    /// "1280x800", or "auto".
    public var resolutionName: String {
        guard let resolution else { return "auto" }
        return "\(resolution.width)x\(resolution.height)"
    }

    /// All settings as one line of `key=value` words (for the log).
    public var summary: String {
        "display=" + display.name + " resolution=" + resolutionName
            + " font.size=" + (fontSize.map { "\($0)" } ?? "auto") + " keymap=" + (keymap ?? "default")
    }

    // MARK: - Values

    /// WIDTHxHEIGHT within the bounds.
    static func parseResolution(_ raw: [UInt8]) -> (width: Int, height: Int)? {
        guard let x = raw.firstIndex(where: { $0 == 0x78 || $0 == 0x58 }),  // x X
              let width = parseNumber(raw[..<x]), let height = parseNumber(raw[(x + 1)...]) else { return nil }
        let low = minimumResolution, high = maximumResolution
        guard width >= low.width && width <= high.width && height >= low.height && height <= high.height else { return nil }
        return (width, height)
    }

    /// Decimal digits only, at most 9 of them.
    static func parseNumber(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty && digits.count <= 9 else { return nil }
        var value = 0
        for c in digits {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            value = value * 10 + Int(c - 0x30)
        }
        return value
    }

    static func isKeymapCharacter(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
    }

    /// Text from the user for a warning: control bytes as "?", at most 64 bytes.
    static func quoted(_ bytes: [UInt8]) -> String {
        var shown = bytes.prefix(64).map { $0 < 0x20 || $0 == 0x7F ? 0x3F : $0 }
        if bytes.count > 64 { shown += Array("...".utf8) }
        return String(decoding: shown, as: UTF8.self)
    }

    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    }
}

/// Splits settings text into words (see the top of this file).
struct SettingsScanner {
    let text: [UInt8]
    var index = 0

    init(text: [UInt8]) { self.text = text }

    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x00 || c == 0x0B || c == 0x0C
    }

    /// Skips whitespace and comments; false at the end of the text.
    mutating func skipSpaceAndComments() -> Bool {
        while index < text.count {
            let c = text[index]
            if SettingsScanner.isSpace(c) {
                index += 1
            } else if c == 0x23 {  // '#'
                while index < text.count && text[index] != 0x0A { index += 1 }
            } else {
                return true
            }
        }
        return false
    }

    /// The next word with quotes removed, where its first '=' is (quoted or not), and
    /// whether it had quotes.
    mutating func word() -> (bytes: [UInt8], equalsAt: Int?, quoted: Bool) {
        var bytes: [UInt8] = []
        var quoted = false, sawQuote = false
        var equalsAt: Int? = nil
        while index < text.count {
            let c = text[index]
            if c == 0x22 {  // '"'
                quoted.toggle()
                sawQuote = true
                index += 1
                continue
            }
            if !quoted && (SettingsScanner.isSpace(c) || c == 0x23) { break }
            if c == 0x3D && equalsAt == nil { equalsAt = bytes.count }  // the first '=', quoted or not, as Linux
            bytes.append(c)
            index += 1
        }
        return (bytes, equalsAt, sawQuote)
    }

    /// After a word without '=': if spaces and then '=' follow on the same line,
    /// consumes them (and the spaces after the '=') and returns true.
    mutating func takeDetachedEquals() -> Bool {
        var j = index
        while j < text.count && (text[j] == 0x20 || text[j] == 0x09) { j += 1 }
        guard j < text.count && text[j] == 0x3D else { return false }
        j += 1
        while j < text.count && (text[j] == 0x20 || text[j] == 0x09) { j += 1 }
        index = j
        return true
    }

    /// Skips spaces and tabs; true if there were any.
    mutating func takeHorizontalSpace() -> Bool {
        let start = index
        while index < text.count && (text[index] == 0x20 || text[index] == 0x09) { index += 1 }
        return index > start
    }

    /// Whether a value starts here (not the end of the line, text or a comment).
    func atValueOnSameLine() -> Bool {
        index < text.count && !SettingsScanner.isSpace(text[index]) && text[index] != 0x23
    }
}
