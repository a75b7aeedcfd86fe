/// What a key does at one shift level of a keymap.
public enum KeySymbol: Equatable {
    /// Nothing (the keymap says `none`).
    case none
    /// Types this character.
    case character(Unicode.Scalar)
    /// A dead key: changes the next character (´ then e → é).
    case dead(DeadKey)
    /// A key that is not a character: Enter, arrows, F1…
    case key(SpecialKey)
    /// Held down, changes what other keys do.
    case modifier(ModifierKey)
    /// Toggles a lock (and its LED).
    case lock(LockKey)

    /// The character, if this symbol is one.
    public var character: Unicode.Scalar? {
        if case .character(let scalar) = self { return scalar }
        return nil
    }
}

/// Keys that are not characters, named as in X11 keysyms.
public enum SpecialKey: Equatable {
    case escape
    case enter
    case backspace
    case tab
    case insert
    case delete
    case home
    case end
    case pageUp
    case pageDown
    case up
    case down
    case left
    case right
    /// The keypad's middle key (5) with Num Lock off.
    case begin
    /// F1 … F24.
    case function(UInt8)
}

/// Modifier keys, left and right kept apart.
public enum ModifierKey: UInt8, Equatable {
    case shiftLeft, shiftRight
    case controlLeft, controlRight
    case altLeft, altRight
    /// Level 3 shift (ISO_Level3_Shift), on the right Alt key of most European layouts.
    case altGr
    case metaLeft, metaRight

    /// The bit this key sets in `Modifiers`.
    public var modifier: Modifiers {
        switch self {
        case .shiftLeft: return .shiftLeft
        case .shiftRight: return .shiftRight
        case .controlLeft: return .controlLeft
        case .controlRight: return .controlRight
        case .altLeft: return .altLeft
        case .altRight: return .altRight
        case .altGr: return .altGr
        case .metaLeft: return .metaLeft
        case .metaRight: return .metaRight
        }
    }
}

/// Lock keys. Their raw values are the evdev LED codes (LED_NUML 0, LED_CAPSL 1,
/// LED_SCROLLL 2).
public enum LockKey: UInt8, Equatable {
    case numLock = 0
    case capsLock = 1
    case scrollLock = 2

    public var lock: Locks { Locks(rawValue: 1 << rawValue) }
}

/// Dead keys (named as in X11: `dead_acute` …) and what they do.
public enum DeadKey: UInt8, Equatable, CaseIterable {
    case grave, acute, circumflex, tilde, diaeresis, cedilla, caron, abovering, macron, breve,
         doubleacute, ogonek, abovedot, belowdot

    /// The accent typed on its own: after a space, after the same dead key
    /// again, or (followed by the key) when the next key does not compose.
    public var spacing: Unicode.Scalar {
        switch self {
        case .grave: return "`"
        case .acute: return "\u{B4}"
        case .circumflex: return "^"
        case .tilde: return "~"
        case .diaeresis: return "\u{A8}"
        case .cedilla: return "\u{B8}"
        case .caron: return "\u{2C7}"
        case .abovering: return "\u{2DA}"
        case .macron: return "\u{AF}"
        case .breve: return "\u{2D8}"
        case .doubleacute: return "\u{2DD}"
        case .ogonek: return "\u{2DB}"
        case .abovedot: return "\u{2D9}"
        case .belowdot: return "."
        }
    }

    /// The keymap file name (`dead_acute`).
    public var name: StaticString {
        switch self {
        case .grave: return "dead_grave"
        case .acute: return "dead_acute"
        case .circumflex: return "dead_circumflex"
        case .tilde: return "dead_tilde"
        case .diaeresis: return "dead_diaeresis"
        case .cedilla: return "dead_cedilla"
        case .caron: return "dead_caron"
        case .abovering: return "dead_abovering"
        case .macron: return "dead_macron"
        case .breve: return "dead_breve"
        case .doubleacute: return "dead_doubleacute"
        case .ogonek: return "dead_ogonek"
        case .abovedot: return "dead_abovedot"
        case .belowdot: return "dead_belowdot"
        }
    }

    /// Pairs of (base, result), as one string of alternating scalars.
    var compositions: StaticString {
        switch self {
        case .grave: return "aàeèiìoòuùAÀEÈIÌOÒUÙnǹNǸwẁWẀyỳYỲ"
        case .acute: return "aáeéiíoóuúyýAÁEÉIÍOÓUÚYÝcćCĆnńNŃsśSŚzźZŹlĺLĹrŕRŔgǵGǴwẃWẂ"
        case .circumflex: return "aâeêiîoôuûAÂEÊIÎOÔUÛcĉCĈgĝGĜhĥHĤjĵJĴsŝSŜwŵWŴyŷYŶ"
        case .tilde: return "aãoõnñAÃOÕNÑiĩIĨuũUŨeẽEẼyỹYỸ"
        case .diaeresis: return "aäeëiïoöuüyÿAÄEËIÏOÖUÜYŸ"
        case .cedilla: return "cçCÇsşSŞtţTŢgģGĢkķKĶlļLĻnņNŅrŗRŖeȩEȨ"
        case .caron: return "cčCČsšSŠzžZŽrřRŘeěEĚnňNŇdďDĎtťTŤlľLĽ"
        case .abovering: return "aåAÅuůUŮ"
        case .macron: return "aāeēiīoōuūAĀEĒIĪOŌUŪ"
        case .breve: return "aăAĂgğGĞuŭUŬ"
        case .doubleacute: return "oőOŐuűUŰ"
        case .ogonek: return "aąAĄeęEĘiįIĮuųUŲ"
        case .abovedot: return "zżZŻeėEĖcċCĊgġGĠIİ"
        case .belowdot: return "aạeẹiịoọuụAẠEẸIỊOỌUỤ"
        }
    }

    /// The composed character for `base`, or nil when the pair does not compose.
    public func compose(_ base: Unicode.Scalar) -> Unicode.Scalar? {
        let table = compositions
        var iterator = String(decoding: UnsafeBufferPointer(start: table.utf8Start, count: table.utf8CodeUnitCount),
                              as: UTF8.self).unicodeScalars.makeIterator()
        while let candidate = iterator.next(), let result = iterator.next() {
            if candidate == base { return result }
        }
        return nil
    }
}

/// Held modifiers, left and right apart.
public struct Modifiers: OptionSet, Equatable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let shiftLeft = Modifiers(rawValue: 1 << 0)
    public static let shiftRight = Modifiers(rawValue: 1 << 1)
    public static let controlLeft = Modifiers(rawValue: 1 << 2)
    public static let controlRight = Modifiers(rawValue: 1 << 3)
    public static let altLeft = Modifiers(rawValue: 1 << 4)
    public static let altRight = Modifiers(rawValue: 1 << 5)
    public static let altGr = Modifiers(rawValue: 1 << 6)
    public static let metaLeft = Modifiers(rawValue: 1 << 7)
    public static let metaRight = Modifiers(rawValue: 1 << 8)

    public var shift: Bool { !isDisjoint(with: [.shiftLeft, .shiftRight]) }
    public var control: Bool { !isDisjoint(with: [.controlLeft, .controlRight]) }
    /// Alt (either side, when the right Alt is mapped as Alt), not AltGr.
    public var alt: Bool { !isDisjoint(with: [.altLeft, .altRight]) }
    public var altGr: Bool { contains(.altGr) }
    public var meta: Bool { !isDisjoint(with: [.metaLeft, .metaRight]) }
}

/// Lock states. The raw value is the keyboard LED bitmap: bit n is evdev LED
/// code n (LED_NUML 0, LED_CAPSL 1, LED_SCROLLL 2), as `VirtioInput.setLEDs` takes it.
public struct Locks: OptionSet, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let numLock = Locks(rawValue: 1 << 0)
    public static let capsLock = Locks(rawValue: 1 << 1)
    public static let scrollLock = Locks(rawValue: 1 << 2)
}
