/// Replies to the application's queries, appended to the response buffer.
extension TerminalCore {
    /// DA1: a VT220 (62) with ANSI colour (22), like xterm's `decTerminalID=220`.
    mutating func reportPrimaryDeviceAttributes() {
        responses.appendASCII("\u{1B}[?62;22c")
    }

    /// DA2: terminal type 1 (VT220), firmware version 10, ROM cartridge 0.
    mutating func reportSecondaryDeviceAttributes() {
        responses.appendASCII("\u{1B}[>1;10;0c")
    }

    /// DSR: 5 → "OK" (`CSI 0 n`); 6 → cursor position (`CSI row ; column R`),
    /// relative to the scroll region under origin mode. `CSI ? 6 n` (DECXCPR)
    /// adds the page, `CSI ? row ; column ; 1 R`.
    mutating func reportStatus(_ request: Int, isPrivate: Bool) {
        switch request {
        case 5 where !isPrivate:
            responses.appendASCII("\u{1B}[0n")
        case 6:
            let row = cursor.row - (modes.originMode ? scrollTop : 0) + 1
            responses.appendASCII("\u{1B}[")
            if isPrivate { responses.append(UInt8(ascii: "?")) }
            responses.appendDecimal(row)
            responses.append(UInt8(ascii: ";"))
            responses.appendDecimal(cursor.column + 1)
            if isPrivate { responses.appendASCII(";1") }
            responses.append(UInt8(ascii: "R"))
        default:
            break
        }
    }

    /// DECRQM (`CSI ? Ps $ p`): `CSI ? Ps ; Pm $ y`, Pm 1 set, 2 reset, 0 unknown.
    mutating func reportMode(_ mode: Int, isPrivate: Bool) {
        responses.appendASCII("\u{1B}[")
        if isPrivate { responses.append(UInt8(ascii: "?")) }
        responses.appendDecimal(mode)
        responses.append(UInt8(ascii: ";"))
        responses.appendDecimal(modeState(mode, isPrivate: isPrivate))
        responses.appendASCII("$y")
    }
}
