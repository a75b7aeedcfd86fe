import Terminal

/// Seeded random streams of well-formed sequences, one element at a time.
///
/// The generator looks at Lumen's state (cursor, pending wrap, modes, scroll
/// region) before choosing each element, so it can stay inside the domain where
/// xterm's behaviour (which Lumen follows) and libvterm 0.1.4's agree: every
/// rule below that restricts what is emitted names the difference in the table
/// in DifferentialTests.swift that it avoids. Everything else is fair game.
struct StreamGenerator {
    var random: SeededGenerator

    /// What DECSC (and `CSI ? 1049 h`) saves beyond the position and the pen in
    /// xterm, and libvterm does not restore (D9): DECRC is only emitted when
    /// these equal what was saved, so restoring them or not makes no difference.
    struct SavedKey: Equatable {
        var originMode = false
        var g0: UInt8 = UInt8(ascii: "B")
        var g1: UInt8 = UInt8(ascii: "B")
        var shiftedOut = false
        var cursorVisible = true
        var cursorShape: CursorShape = .block
        var cursorBlinking = true
    }

    private var g0: UInt8 = UInt8(ascii: "B")
    private var g1: UInt8 = UInt8(ascii: "B")
    private var shiftedOut = false
    /// An SCS was sent since the start or RIS (D29).
    private var designated = false
    /// The main screen's DECSC slot (nil: nothing saved since the start or RIS).
    private var saved: SavedKey?
    /// The cursor row at the last save (D31).
    private var savedRow: Int?
    /// How the alternate screen was entered: 1049 or 1047 (0: on the main screen).
    private var alternateEntry = 0
    /// The previous element printed narrow ASCII (REP may follow).
    private var lastWasNarrowText = false
    /// A scroll region starting at the top but ending above the bottom was set:
    /// libvterm then pushes lines into its scrollback and xterm does not (D16),
    /// so the scrollbacks are no longer comparable.
    private(set) var scrollbackComparable = true

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    private func key(_ terminal: Terminal) -> SavedKey {
        let cursor = terminal.cursorState
        return SavedKey(originMode: terminal.modes.originMode, g0: g0, g1: g1, shiftedOut: shiftedOut,
                        cursorVisible: cursor.isVisible, cursorShape: cursor.shape, cursorBlinking: cursor.isBlinking)
    }

    /// The next element for `terminal` (Lumen, in the state the stream so far left it).
    mutating func next(for terminal: Terminal) -> [UInt8] {
        let element = choose(terminal)
        lastWasNarrowText = element.narrowText
        return element.bytes
    }

    private mutating func choose(_ terminal: Terminal) -> (bytes: [UInt8], narrowText: Bool) {
        let cursor = terminal.cursorState
        if cursor.pendingWrap {
            // D26: after a wide character in the last two columns libvterm's
            // cursor is on its left half: then only what sets the column anew.
            if terminal.cell(row: cursor.row, column: terminal.columns - 1).width == 0 {
                switch random.below(4) {
                case 0: return (Array("\r".utf8), false)
                case 1: return (cursorPosition(terminal, absoluteColumn: true), false)
                case 2: return (graphicRendition(), false)
                default: return text(terminal)
                }
            }
            // D14: Lumen (xterm) clears a pending wrap on ED, EL, ECH, ICH, DCH,
            // IL, DL, RI and DECAWM reset, and DECRC restores it; libvterm keeps
            // it. While a wrap is pending only elements both treat alike.
            switch random.below(9) {
            case 0: return (Array("\r".utf8), false)
            case 1:
                // D14: a LF that scrolls leaves libvterm's cursor in place, and
                // then libvterm keeps the pending wrap.
                let scrolls = cursor.row == terminal.scrollRegion.upperBound || cursor.row == terminal.rows - 1
                return (scrolls ? Array("\r".utf8) : Array("\n".utf8), false)
            case 2: return (Array("\u{8}".utf8), false)
            case 3: return (cursorPosition(terminal), false)
            case 4: return (graphicRendition(), false)
            case 5: return (random.chance(50) ? Array("\u{1B}[S".utf8) : Array("\u{1B}[T".utf8), false)
            case 6: return (Array("\t".utf8), false)
            default: return text(terminal)
            }
        }
        let roll = random.below(1000)
        switch roll {
        case 0 ..< 250: return text(terminal)
        case 250 ..< 330: return (control(), false)
        case 330 ..< 380: return (escape(terminal), false)
        case 380 ..< 460: return (cursorPosition(terminal), false)
        case 460 ..< 510: return (horizontalMove(), false)
        case 510 ..< 560: return (verticalMove(terminal), false)
        case 560 ..< 620: return (erase(), false)
        case 620 ..< 680: return (edit(terminal), false)
        case 680 ..< 710: return (scroll(terminal), false)
        case 710 ..< 740: return (repeatCharacter(terminal), false)
        case 740 ..< 840: return (graphicRendition(), false)
        case 840 ..< 900: return (mode(terminal), false)
        case 900 ..< 940: return (scrollRegion(terminal), false)
        case 940 ..< 955: return (tabs(), false)
        case 955 ..< 967: return (title(), false)
        case 967 ..< 975:
            // CPR (the replies are compared too); D24: not under origin mode.
            return (terminal.modes.originMode ? Array("\r".utf8) : Array("\u{1B}[6n".utf8), false)
        case 975 ..< 995: return (saveOrRestore(terminal), false)
        default: return (reset(), false)
        }
    }

    // MARK: Text

    private mutating func text(_ terminal: Terminal) -> ([UInt8], Bool) {
        var out: [UInt8] = []
        // D29: with a national or graphics set in use, ASCII only.
        let ascii = (shiftedOut ? g1 : g0) == UInt8(ascii: "B")
        if random.chance(70) || !ascii {
            for _ in 0 ..< 1 + random.below(random.chance(20) ? 100 : 12) {
                out.append(UInt8(0x20 + random.below(95)))
            }
            return (out, true)
        }
        // D13: a wide character in the last column with autowrap off (libvterm
        // wraps it anyway) and D15: a wide character in insert mode (libvterm
        // shifts the line by one cell): no wide characters then.
        let wideAllowed = terminal.modes.autowrap && !terminal.modes.insertMode
        // Where the cursor goes, to keep wide characters off the last column
        // (D27: Lumen pads it before wrapping, libvterm leaves it).
        var column = terminal.cursorState.column
        var pending = terminal.cursorState.pendingWrap
        func advance(_ width: Int) {
            if pending {
                column = 0
                pending = false
            }
            if column + width >= terminal.columns {
                column = terminal.columns - 1
                pending = terminal.modes.autowrap
            } else {
                column += width
            }
        }
        for _ in 0 ..< 1 + random.below(10) {
            let wideFits = pending ? terminal.columns >= 2 : column < terminal.columns - 1
            switch random.below(10) {
            case 0 ..< 4:
                out.addScalar(SampleCharacters.draw(SampleCharacters.narrow, &random))
                advance(1)
            case 4 ..< 7 where wideAllowed && wideFits:
                out.addScalar(SampleCharacters.draw(SampleCharacters.wide, &random))
                advance(2)
            default:
                // D10: marks only straight after their base character.
                out.append(UInt8(0x61 + random.below(26)))
                advance(1)
                // D29: none after an SCS.
                for _ in 0 ..< (designated ? 0 : random.below(3)) {
                    out.addScalar(SampleCharacters.draw(SampleCharacters.combining, &random))
                }
            }
        }
        return (out, false)
    }

    private mutating func control() -> [UInt8] {
        // BS HT LF VT FF CR BEL SO SI
        let byte = random.pick([0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0D, 0x0A, 0x07, 0x0E, 0x0F] as [UInt8])
        if byte == 0x0E || byte == 0x0F {
            guard alternateEntry == 0 else { return [0x0D] }  // the shift is in the saved key
            shiftedOut = byte == 0x0E
        }
        return [byte]
    }

    private mutating func escape(_ terminal: Terminal) -> [UInt8] {
        switch random.below(8) {
        case 0: return Array("\u{1B}D".utf8)  // IND
        case 1: return Array("\u{1B}E".utf8)  // NEL
        case 2: return Array("\u{1B}M".utf8)  // RI
        case 3: return Array("\u{1B}H".utf8)  // HTS
        case 4: return random.chance(50) ? Array("\u{1B}=".utf8) : Array("\u{1B}>".utf8)
        default:
            // SCS; not on the alternate screen (the saved key must not change there).
            guard alternateEntry == 0 else { return Array("\u{1B}D".utf8) }
            let set = random.pick([UInt8(ascii: "0"), UInt8(ascii: "B"), UInt8(ascii: "A")])
            designated = true
            if random.chance(60) {
                g0 = set
                return [0x1B, UInt8(ascii: "("), set]
            }
            g1 = set
            return [0x1B, UInt8(ascii: ")"), set]
        }
    }

    // MARK: Cursor

    /// CUP, HVP, CHA, HPA, or (unless `absoluteColumn`) VPA.
    private mutating func cursorPosition(_ terminal: Terminal, absoluteColumn: Bool = false) -> [UInt8] {
        let row = random.below(terminal.rows + 3)  // 0 (default) and past the end too
        let column = random.below(terminal.columns + 3)
        switch random.below(absoluteColumn ? 4 : 5) {
        case 0: return Array("\u{1B}[\(row);\(column)H".utf8)
        case 1: return Array("\u{1B}[\(row);\(column)f".utf8)
        case 2: return Array("\u{1B}[\(column)G".utf8)
        case 3: return Array("\u{1B}[\(column)`".utf8)
        default: return Array("\u{1B}[\(row)d".utf8)
        }
    }

    private mutating func horizontalMove() -> [UInt8] {
        let count = random.chance(10) ? random.below(200) : random.below(6)
        let final = random.pick(["C", "D", "a", "I", "Z"])
        return Array("\u{1B}[\(count == 0 && random.chance(50) ? "" : String(count))\(final)".utf8)
    }

    /// CUU, CUD, CNL, CPL, VPR. D7: libvterm ignores the scroll margins unless
    /// origin mode is on; xterm (and Lumen) stop at them. Counts that would
    /// reach a margin are only emitted when the region is the whole screen.
    private mutating func verticalMove(_ terminal: Terminal) -> [UInt8] {
        let row = terminal.cursorState.row
        let region = terminal.scrollRegion
        let fullScreen = region.lowerBound == 0 && region.upperBound == terminal.rows - 1
        let origin = terminal.modes.originMode
        let up = random.chance(50)
        var limit: Int
        if up {
            let lumenStop = row >= region.lowerBound ? region.lowerBound : 0
            let referenceStop = origin ? region.lowerBound : 0
            limit = row - max(lumenStop, referenceStop)
        } else {
            let lumenStop = row <= region.upperBound ? region.upperBound : terminal.rows - 1
            let referenceStop = origin ? region.upperBound : terminal.rows - 1
            limit = min(lumenStop, referenceStop) - row
        }
        var count: Int
        if fullScreen {
            count = random.chance(10) ? random.below(100) : random.below(6)
        } else {
            guard limit >= 1 else { return Array("\r".utf8) }
            count = 1 + random.below(limit)
        }
        let final = up ? random.pick(["A", "F"]) : random.pick(["B", "E", "e"])
        return Array("\u{1B}[\(count)\(final)".utf8)
    }

    // MARK: Editing

    private mutating func erase() -> [UInt8] {
        switch random.below(3) {
        case 0: return Array("\u{1B}[\(random.pick(["", "0", "1", "2"]))J".utf8)
        case 1: return Array("\u{1B}[\(random.pick(["", "0", "1", "2"]))K".utf8)
        default: return Array("\u{1B}[\(random.chance(10) ? random.below(300) : random.below(8))X".utf8)
        }
    }

    private mutating func edit(_ terminal: Terminal) -> [UInt8] {
        let count = random.chance(10) ? random.below(300) : random.below(5)
        // D28: libvterm ignores ICH and DCH outside the scroll region.
        let insideRegion = terminal.scrollRegion.contains(terminal.cursorState.row)
        switch insideRegion ? random.below(4) : 2 + random.below(2) {
        case 0: return Array("\u{1B}[\(count)@".utf8)
        case 1: return Array("\u{1B}[\(count)P".utf8)
        // D8: IL and DL return the cursor to the first column (DEC); libvterm
        // leaves it. A CR first makes the column the same either way.
        case 2: return Array("\r\u{1B}[\(count)L".utf8)
        default:
            // D16: libvterm (and xterm with a scroll bar) keeps the lines DL
            // deletes at the top of the screen in the scrollback; Lumen does not.
            let top = terminal.cursorState.row == 0 && terminal.scrollRegion.lowerBound == 0
            return Array("\r\u{1B}[\(count)\(top ? "L" : "M")".utf8)
        }
    }

    private mutating func scroll(_ terminal: Terminal) -> [UInt8] {
        var count = random.chance(10) ? random.below(100) : random.below(4)
        let final = random.pick(["S", "T"])
        // D16: libvterm scrolls the whole screen up by its height or more
        // without pushing the lines into its scrollback.
        let region = terminal.scrollRegion
        if final == "S" && region.count == terminal.rows { count = min(count, terminal.rows - 1) }
        return Array("\u{1B}[\(count)\(final)".utf8)
    }

    /// REP. D17: libvterm repeats a wide character by columns, stops at the
    /// margin instead of wrapping (and leaves a wrap pending if it reaches the
    /// last column), and repeats after controls too; so REP only follows narrow
    /// text, outside insert mode, and stays left of the last column.
    private mutating func repeatCharacter(_ terminal: Terminal) -> [UInt8] {
        let room = terminal.columns - 2 - terminal.cursorState.column
        guard lastWasNarrowText && !terminal.modes.insertMode && room >= 1 else {
            return Array("\u{1B}[\(random.below(3))C".utf8)
        }
        return Array("\u{1B}[\(1 + random.below(room))b".utf8)
    }

    // MARK: Rendition

    /// SGR lists of at most 16 parameters, sub-parameters included (libvterm
    /// 0.1.4 crashes beyond: D18). D3: no 6 (rapid blink) and no 58 (underline
    /// colour), unknown to libvterm; D4: colours in range and no colour-space
    /// field in the colon form.
    private mutating func graphicRendition() -> [UInt8] {
        if random.chance(8) { return Array("\u{1B}[m".utf8) }
        var parameters: [String] = []
        var used = 0
        let simple = [0, 1, 2, 3, 4, 5, 7, 8, 9, 21, 22, 23, 24, 25, 27, 28, 29, 39, 49]
        while parameters.isEmpty || random.chance(60) {
            let parameter: String
            let count: Int
            switch random.below(9) {
            case 0 ..< 3: (parameter, count) = (String(random.pick(simple)), 1)
            case 3: (parameter, count) = (String(30 + random.below(8)), 1)
            case 4: (parameter, count) = (String(40 + random.below(8)), 1)
            case 5: (parameter, count) = (String(random.pick([90, 100]) + random.below(8)), 1)
            case 6: (parameter, count) = ("\(random.pick([38, 48]));5;\(random.below(256))", 3)
            case 7:
                (parameter, count) = ("\(random.pick([38, 48]));2;\(random.below(256));\(random.below(256));\(random.below(256))", 5)
            default:
                switch random.below(3) {
                case 0: (parameter, count) = ("\(random.pick([38, 48])):5:\(random.below(256))", 3)
                case 1:
                    (parameter, count) = ("\(random.pick([38, 48])):2:\(random.below(256)):\(random.below(256)):\(random.below(256))", 5)
                default: (parameter, count) = ("4:\(random.below(4))", 2)
                }
            }
            guard used + count <= 16 else { break }
            parameters.append(parameter)
            used += count
        }
        return Array("\u{1B}[\(parameters.joined(separator: ";"))m".utf8)
    }

    // MARK: Modes

    private mutating func mode(_ terminal: Terminal) -> [UInt8] {
        let set = random.chance(50)
        let letter = set ? "h" : "l"
        let onMain = alternateEntry == 0
        switch random.below(11) {
        case 0 where onMain: return Array("\u{1B}[?6\(letter)".utf8)  // DECOM (in the saved key)
        case 1: return Array("\u{1B}[?7\(letter)".utf8)  // DECAWM
        case 2 where onMain: return Array("\u{1B}[?25\(letter)".utf8)  // DECTCEM (in the saved key)
        case 3: return Array("\u{1B}[4\(letter)".utf8)  // IRM
        case 4: return Array("\u{1B}[20\(letter)".utf8)  // LNM
        case 5: return Array("\u{1B}[?5\(letter)".utf8)  // DECSCNM
        case 6 where onMain: return Array("\u{1B}[\(random.below(7)) q".utf8)  // DECSCUSR (in the saved key)
        case 7 where onMain: return Array("\u{1B}[?12\(letter)".utf8)  // cursor blink (in the saved key)
        case 8, 9:
            // Alternate screen. D6: 1049 only (no ?47, which libvterm lacks, nor
            // 1047, whose screen libvterm erases with the pen's background).
            if onMain {
                let mode = 1049
                alternateEntry = mode
                if mode == 1049 { saved = key(terminal); savedRow = terminal.cursorState.row }
                return Array("\u{1B}[?\(mode)h".utf8)
            }
            let mode = alternateEntry
            alternateEntry = 0
            return Array((restorePrefix(terminal) + "\u{1B}[?\(mode)l").utf8)
        default:
            return Array("\u{1B}[?1\(letter)".utf8)  // DECCKM: no visible effect, exercises the path
        }
    }

    /// DECSTBM with valid margins (D5: libvterm resets the region on invalid
    /// ones and accepts one-line regions; xterm ignores both), or a reset.
    private mutating func scrollRegion(_ terminal: Terminal) -> [UInt8] {
        let rows = terminal.rows
        guard rows >= 2 && random.chance(75) else { return Array("\u{1B}[r".utf8) }
        let top = 1 + random.below(rows - 1)
        let bottom = top + 1 + random.below(rows - top)
        if top == 1 && bottom < rows { scrollbackComparable = false }
        return Array("\u{1B}[\(top);\(bottom)r".utf8)
    }

    private mutating func tabs() -> [UInt8] {
        switch random.below(3) {
        case 0: return Array("\u{1B}[g".utf8)
        case 1: return Array("\u{1B}[3g".utf8)
        default: return Array("\u{1B}H".utf8)
        }
    }

    private mutating func title() -> [UInt8] {
        var bytes = Array("\u{1B}]\(random.pick(["0", "2"]));".utf8)
        for _ in 0 ..< random.below(20) {
            if random.chance(80) {
                bytes.append(UInt8(0x20 + random.below(95)))
            } else {
                bytes.addScalar(SampleCharacters.draw(SampleCharacters.narrow, &random))
            }
        }
        bytes += random.chance(50) ? [0x07] : [0x1B, UInt8(ascii: "\\")]
        return bytes
    }

    /// DECSC / DECRC (ESC 7 / 8, CSI ? 1048 h / l) on the main screen only (D9:
    /// xterm keeps one slot per screen, libvterm one in all); DECRC only after
    /// a DECSC, and only when the saved key matches the current one.
    private mutating func saveOrRestore(_ terminal: Terminal) -> [UInt8] {
        guard alternateEntry == 0 else { return Array("\u{1B}[\(random.below(3))D".utf8) }
        if random.chance(50) || saved == nil {
            saved = key(terminal)
            savedRow = terminal.cursorState.row
            return random.chance(70) ? Array("\u{1B}7".utf8) : Array("\u{1B}[?1048h".utf8)
        }
        guard saved == key(terminal) else { return Array("\u{1B}[\(random.below(3))D".utf8) }
        return Array((restorePrefix(terminal) + (random.chance(70) ? "\u{1B}8" : "\u{1B}[?1048l")).utf8)
    }

    /// D31: a restore in origin mode of a cursor saved outside the current
    /// scroll region: xterm (and Lumen) stop it at the bottom margin and leave a
    /// row above the region; libvterm moves it into the region from either side
    /// for ?1049 l and not at all for DECRC. Resetting the region first (which
    /// homes the cursor, so nothing else changes) keeps streams where all agree.
    private func restorePrefix(_ terminal: Terminal) -> String {
        guard terminal.modes.originMode, let row = savedRow, !terminal.scrollRegion.contains(row) else { return "" }
        return "\u{1B}[r"
    }

    private mutating func reset() -> [UInt8] {
        // D23: libvterm 0.1.4's RIS leaves the alternate screen and DECSCNM
        // as they were; leave them first.
        let prefix = (alternateEntry != 0 ? "\u{1B}[?\(alternateEntry)l" : "") + "\u{1B}[?5l"
        g0 = UInt8(ascii: "B")
        g1 = UInt8(ascii: "B")
        shiftedOut = false
        designated = false
        saved = nil
        alternateEntry = 0
        return Array((prefix + "\u{1B}c").utf8)
    }
}
