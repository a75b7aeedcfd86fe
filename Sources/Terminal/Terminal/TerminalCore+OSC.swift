/// Operating system commands: title and colours.
extension TerminalCore {
    /// `VTPerformer`: a complete OSC string.
    mutating func oscDispatch(_ payload: VTOSCPayload, bellTerminated: Bool) {
        lastPrinted = nil
        // A truncated command is not acted on: its last field would be a fragment.
        guard !payload.isTruncated, let command = payload.number(inField: 0) else { return }
        switch command {
        case 0, 2:  // icon name and title / title
            setTitle(payload)
        case 4:
            setPaletteEntries(payload, bellTerminated: bellTerminated)
        case 10, 11:
            setDynamicColors(payload, first: command, bellTerminated: bellTerminated)
        case 104:
            resetPaletteEntries(payload)
        case 110:
            defaultForeground = XtermPalette.defaultForeground
            damage.markEverything()
        case 111:
            defaultBackground = XtermPalette.defaultBackground
            damage.markEverything()
        default:
            break  // 1 (icon name), 7 (cwd), 8 (links), 52 (clipboard), …: not for this console
        }
    }

    /// OSC 0/2: everything after the first `;`, cut to `maximumTitleLength` bytes
    /// at a character boundary.
    private mutating func setTitle(_ payload: VTOSCPayload) {
        guard let first = payload.field(0) else { return }
        // `OSC 2 BEL` (no `;`) sets an empty title.
        let start = min(first.upperBound + 1, payload.count)
        var bytes = payload.bytes(in: start ..< payload.count)
        if bytes.count > TerminalCore.maximumTitleLength {
            var cut = TerminalCore.maximumTitleLength
            // Back up to the start of a UTF-8 sequence so no character is split.
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            bytes.removeLast(bytes.count - cut)
        }
        titleBytes = bytes
        titleChanged = true
    }

    /// OSC 4 ; index ; spec [; index ; spec …]: sets palette entries; a spec of
    /// `?` asks for the entry's value instead.
    private mutating func setPaletteEntries(_ payload: VTOSCPayload, bellTerminated: Bool) {
        var field = 1
        var changed = false
        while let index = payload.number(inField: field), payload.field(field + 1) != nil {
            let spec = payload.fieldBytes(field + 1)
            field += 2
            guard index >= 0 && index < palette.count else { continue }
            if spec == [UInt8(ascii: "?")] {
                responses.appendASCII("\u{1B}]4;")
                responses.appendDecimal(index)
                responses.append(UInt8(ascii: ";"))
                ColorSpecification.format(palette[index], into: &responses)
                appendStringTerminator(bellTerminated)
            } else if let rgb = ColorSpecification.parse(spec) {
                palette[index] = rgb
                changed = true
            }
        }
        if changed { damage.markEverything() }
    }

    /// OSC 104 [; index …]: resets the listed entries, or all with no list.
    private mutating func resetPaletteEntries(_ payload: VTOSCPayload) {
        if payload.fieldCount == 1 || (payload.fieldCount == 2 && payload.fieldBytes(1).isEmpty) {
            palette = XtermPalette.colors
        } else {
            for field in 1 ..< payload.fieldCount {
                if let index = payload.number(inField: field), index < 256 {
                    palette[index] = XtermPalette.color(UInt8(index))
                }
            }
        }
        damage.markEverything()
    }

    /// OSC 10 / 11 ; spec [; spec]: default foreground, then background (each
    /// further spec sets the next colour, as in xterm). `?` queries.
    private mutating func setDynamicColors(_ payload: VTOSCPayload, first: Int, bellTerminated: Bool) {
        var command = first
        var field = 1
        while command <= 11, payload.field(field) != nil {
            let spec = payload.fieldBytes(field)
            if spec == [UInt8(ascii: "?")] {
                responses.appendASCII("\u{1B}]")
                responses.appendDecimal(command)
                responses.append(UInt8(ascii: ";"))
                ColorSpecification.format(command == 10 ? defaultForeground : defaultBackground, into: &responses)
                appendStringTerminator(bellTerminated)
            } else if let rgb = ColorSpecification.parse(spec) {
                if command == 10 { defaultForeground = rgb } else { defaultBackground = rgb }
                damage.markEverything()
            }
            command += 1
            field += 1
        }
    }

    /// Ends a reply the way the query ended: BEL or ST.
    private mutating func appendStringTerminator(_ bell: Bool) {
        if bell {
            responses.append(0x07)
        } else {
            responses.appendASCII("\u{1B}\\")
        }
    }
}
