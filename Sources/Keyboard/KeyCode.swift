/// Linux evdev key codes (`linux/input-event-codes.h`), the codes virtio-input
/// reports in `EV_KEY` events. Only the keys a keyboard layout or the console
/// cares about are named here; every other code is still a valid `UInt16`.
public enum KeyCode {
    public static let escape: UInt16 = 1
    public static let digit1: UInt16 = 2
    public static let digit2: UInt16 = 3
    public static let digit3: UInt16 = 4
    public static let digit4: UInt16 = 5
    public static let digit5: UInt16 = 6
    public static let digit6: UInt16 = 7
    public static let digit7: UInt16 = 8
    public static let digit8: UInt16 = 9
    public static let digit9: UInt16 = 10
    public static let digit0: UInt16 = 11
    public static let minus: UInt16 = 12
    public static let equal: UInt16 = 13
    public static let backspace: UInt16 = 14
    public static let tab: UInt16 = 15
    public static let q: UInt16 = 16
    public static let w: UInt16 = 17
    public static let e: UInt16 = 18
    public static let r: UInt16 = 19
    public static let t: UInt16 = 20
    public static let y: UInt16 = 21
    public static let u: UInt16 = 22
    public static let i: UInt16 = 23
    public static let o: UInt16 = 24
    public static let p: UInt16 = 25
    public static let leftBrace: UInt16 = 26
    public static let rightBrace: UInt16 = 27
    public static let enter: UInt16 = 28
    public static let leftCtrl: UInt16 = 29
    public static let a: UInt16 = 30
    public static let s: UInt16 = 31
    public static let d: UInt16 = 32
    public static let f: UInt16 = 33
    public static let g: UInt16 = 34
    public static let h: UInt16 = 35
    public static let j: UInt16 = 36
    public static let k: UInt16 = 37
    public static let l: UInt16 = 38
    public static let semicolon: UInt16 = 39
    public static let apostrophe: UInt16 = 40
    public static let grave: UInt16 = 41
    public static let leftShift: UInt16 = 42
    public static let backslash: UInt16 = 43
    public static let z: UInt16 = 44
    public static let x: UInt16 = 45
    public static let c: UInt16 = 46
    public static let v: UInt16 = 47
    public static let b: UInt16 = 48
    public static let n: UInt16 = 49
    public static let m: UInt16 = 50
    public static let comma: UInt16 = 51
    public static let dot: UInt16 = 52
    public static let slash: UInt16 = 53
    public static let rightShift: UInt16 = 54
    public static let keypadAsterisk: UInt16 = 55
    public static let leftAlt: UInt16 = 56
    public static let space: UInt16 = 57
    public static let capsLock: UInt16 = 58
    public static let f1: UInt16 = 59
    public static let f2: UInt16 = 60
    public static let f3: UInt16 = 61
    public static let f4: UInt16 = 62
    public static let f5: UInt16 = 63
    public static let f6: UInt16 = 64
    public static let f7: UInt16 = 65
    public static let f8: UInt16 = 66
    public static let f9: UInt16 = 67
    public static let f10: UInt16 = 68
    public static let numLock: UInt16 = 69
    public static let scrollLock: UInt16 = 70
    public static let keypad7: UInt16 = 71
    public static let keypad8: UInt16 = 72
    public static let keypad9: UInt16 = 73
    public static let keypadMinus: UInt16 = 74
    public static let keypad4: UInt16 = 75
    public static let keypad5: UInt16 = 76
    public static let keypad6: UInt16 = 77
    public static let keypadPlus: UInt16 = 78
    public static let keypad1: UInt16 = 79
    public static let keypad2: UInt16 = 80
    public static let keypad3: UInt16 = 81
    public static let keypad0: UInt16 = 82
    public static let keypadDot: UInt16 = 83
    /// The extra key left of Z on ISO keyboards (`<LSGT>`).
    public static let key102nd: UInt16 = 86
    public static let f11: UInt16 = 87
    public static let f12: UInt16 = 88
    public static let keypadEnter: UInt16 = 96
    public static let rightCtrl: UInt16 = 97
    public static let keypadSlash: UInt16 = 98
    public static let sysRq: UInt16 = 99
    public static let rightAlt: UInt16 = 100
    public static let home: UInt16 = 102
    public static let up: UInt16 = 103
    public static let pageUp: UInt16 = 104
    public static let left: UInt16 = 105
    public static let right: UInt16 = 106
    public static let end: UInt16 = 107
    public static let down: UInt16 = 108
    public static let pageDown: UInt16 = 109
    public static let insert: UInt16 = 110
    public static let delete: UInt16 = 111
    public static let keypadEqual: UInt16 = 117
    public static let pause: UInt16 = 119
    public static let keypadComma: UInt16 = 121
    public static let leftMeta: UInt16 = 125
    public static let rightMeta: UInt16 = 126
    public static let compose: UInt16 = 127
    public static let f13: UInt16 = 183
    public static let f14: UInt16 = 184
    public static let f15: UInt16 = 185
    public static let f16: UInt16 = 186
    public static let f17: UInt16 = 187
    public static let f18: UInt16 = 188
    public static let f19: UInt16 = 189
    public static let f20: UInt16 = 190
    public static let f21: UInt16 = 191
    public static let f22: UInt16 = 192
    public static let f23: UInt16 = 193
    public static let f24: UInt16 = 194

    /// Codes a keymap may describe: 0 ..< `limit` (the keyboard keys; 0x100 and
    /// up are buttons).
    public static let limit = 256

    /// The evdev code for a `KEY_…` name (as in `input-event-codes.h`), or nil.
    public static func code(named name: UnsafeRawBufferPointer) -> UInt16? {
        for (candidate, code) in KeyCode.names where ByteText.equals(name, candidate) { return code }
        return nil
    }

    /// The `KEY_…` name of a code, if it has one here.
    public static func name(of code: UInt16) -> StaticString? {
        for (candidate, value) in KeyCode.names where value == code { return candidate }
        return nil
    }

    static let names: [(StaticString, UInt16)] = [
        ("KEY_ESC", 1), ("KEY_1", 2), ("KEY_2", 3), ("KEY_3", 4), ("KEY_4", 5), ("KEY_5", 6), ("KEY_6", 7),
        ("KEY_7", 8), ("KEY_8", 9), ("KEY_9", 10), ("KEY_0", 11), ("KEY_MINUS", 12), ("KEY_EQUAL", 13),
        ("KEY_BACKSPACE", 14), ("KEY_TAB", 15), ("KEY_Q", 16), ("KEY_W", 17), ("KEY_E", 18), ("KEY_R", 19),
        ("KEY_T", 20), ("KEY_Y", 21), ("KEY_U", 22), ("KEY_I", 23), ("KEY_O", 24), ("KEY_P", 25),
        ("KEY_LEFTBRACE", 26), ("KEY_RIGHTBRACE", 27), ("KEY_ENTER", 28), ("KEY_LEFTCTRL", 29), ("KEY_A", 30),
        ("KEY_S", 31), ("KEY_D", 32), ("KEY_F", 33), ("KEY_G", 34), ("KEY_H", 35), ("KEY_J", 36), ("KEY_K", 37),
        ("KEY_L", 38), ("KEY_SEMICOLON", 39), ("KEY_APOSTROPHE", 40), ("KEY_GRAVE", 41), ("KEY_LEFTSHIFT", 42),
        ("KEY_BACKSLASH", 43), ("KEY_Z", 44), ("KEY_X", 45), ("KEY_C", 46), ("KEY_V", 47), ("KEY_B", 48),
        ("KEY_N", 49), ("KEY_M", 50), ("KEY_COMMA", 51), ("KEY_DOT", 52), ("KEY_SLASH", 53),
        ("KEY_RIGHTSHIFT", 54), ("KEY_KPASTERISK", 55), ("KEY_LEFTALT", 56), ("KEY_SPACE", 57),
        ("KEY_CAPSLOCK", 58), ("KEY_F1", 59), ("KEY_F2", 60), ("KEY_F3", 61), ("KEY_F4", 62), ("KEY_F5", 63),
        ("KEY_F6", 64), ("KEY_F7", 65), ("KEY_F8", 66), ("KEY_F9", 67), ("KEY_F10", 68), ("KEY_NUMLOCK", 69),
        ("KEY_SCROLLLOCK", 70), ("KEY_KP7", 71), ("KEY_KP8", 72), ("KEY_KP9", 73), ("KEY_KPMINUS", 74),
        ("KEY_KP4", 75), ("KEY_KP5", 76), ("KEY_KP6", 77), ("KEY_KPPLUS", 78), ("KEY_KP1", 79), ("KEY_KP2", 80),
        ("KEY_KP3", 81), ("KEY_KP0", 82), ("KEY_KPDOT", 83), ("KEY_ZENKAKUHANKAKU", 85), ("KEY_102ND", 86),
        ("KEY_F11", 87), ("KEY_F12", 88), ("KEY_RO", 89), ("KEY_KPENTER", 96), ("KEY_RIGHTCTRL", 97),
        ("KEY_KPSLASH", 98), ("KEY_SYSRQ", 99), ("KEY_RIGHTALT", 100), ("KEY_LINEFEED", 101), ("KEY_HOME", 102),
        ("KEY_UP", 103), ("KEY_PAGEUP", 104), ("KEY_LEFT", 105), ("KEY_RIGHT", 106), ("KEY_END", 107),
        ("KEY_DOWN", 108), ("KEY_PAGEDOWN", 109), ("KEY_INSERT", 110), ("KEY_DELETE", 111), ("KEY_MUTE", 113),
        ("KEY_VOLUMEDOWN", 114), ("KEY_VOLUMEUP", 115), ("KEY_POWER", 116), ("KEY_KPEQUAL", 117),
        ("KEY_KPPLUSMINUS", 118), ("KEY_PAUSE", 119), ("KEY_KPCOMMA", 121), ("KEY_YEN", 124),
        ("KEY_LEFTMETA", 125), ("KEY_RIGHTMETA", 126), ("KEY_COMPOSE", 127), ("KEY_F13", 183), ("KEY_F14", 184),
        ("KEY_F15", 185), ("KEY_F16", 186), ("KEY_F17", 187), ("KEY_F18", 188), ("KEY_F19", 189),
        ("KEY_F20", 190), ("KEY_F21", 191), ("KEY_F22", 192), ("KEY_F23", 193), ("KEY_F24", 194),
    ]
}

/// Byte-level text helpers: the keymap parser works on raw bytes and never on
/// `String` comparison (which would pull Unicode normalisation tables into the
/// kernel image).
enum ByteText {
    static func equals(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard name.utf8CodeUnitCount == bytes.count else { return false }
        let start = name.utf8Start
        for index in 0..<bytes.count where start[index] != bytes[index] { return false }
        return true
    }

    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard prefix.utf8CodeUnitCount <= bytes.count else { return false }
        let start = prefix.utf8Start
        for index in 0..<prefix.utf8CodeUnitCount where start[index] != bytes[index] { return false }
        return true
    }

    static func string(_ name: StaticString) -> String {
        String(decoding: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), as: UTF8.self)
    }

    /// Appends the UTF-8 encoding of `scalar`.
    static func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | (value >> 6)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | (value >> 12)))
            bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | (value >> 18)))
            bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// Decodes `bytes` as strict UTF-8 (no overlongs, surrogates or values past
    /// U+10FFFF); nil if they are not.
    static func decodeUTF8(_ bytes: UnsafeRawBufferPointer) -> [Unicode.Scalar]? {
        var scalars: [Unicode.Scalar] = []
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            var value: UInt32
            var length: Int
            var minimum: UInt32
            switch lead {
            case 0x00..<0x80: value = UInt32(lead); length = 1; minimum = 0
            case 0xC2..<0xE0: value = UInt32(lead & 0x1F); length = 2; minimum = 0x80
            case 0xE0..<0xF0: value = UInt32(lead & 0x0F); length = 3; minimum = 0x800
            case 0xF0..<0xF5: value = UInt32(lead & 0x07); length = 4; minimum = 0x10000
            default: return nil
            }
            guard index + length <= bytes.count else { return nil }
            var offset = 1
            while offset < length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { return nil }
                value = value << 6 | UInt32(byte & 0x3F)
                offset += 1
            }
            guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
            scalars.append(scalar)
            index += length
        }
        return scalars
    }
}
