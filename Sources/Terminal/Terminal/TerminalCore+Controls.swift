/// C0 controls and escape sequences (`ESC` + final byte).
extension TerminalCore {
    /// `VTPerformer`: a C0 control.
    mutating func execute(_ byte: UInt8) {
        lastPrinted = nil
        switch byte {
        case 0x07:  // BEL
            bellCount &+= 1
        case 0x08:  // BS: left one column, not past the margin; no reverse wrap
            if cursor.column > 0 { cursor.column -= 1 }
            cursor.pendingWrap = false
        case 0x09:  // HT: a pending wrap survives a tab that cannot move (xterm)
            let next = tabStops.next(after: cursor.column)
            if next != cursor.column { cursor.pendingWrap = false }
            cursor.column = next
        case 0x0A, 0x0B, 0x0C:  // LF, VT, FF: all index (VT100); LNM adds a CR
            index()
            if modes.newLineMode || (byte == 0x0A && lineFeedReturnsCarriage) { cursor.column = 0 }
            cursor.pendingWrap = false
        case 0x0D:  // CR
            cursor.column = 0
            cursor.pendingWrap = false
        case 0x0E:  // SO: invoke G1
            charsets.shiftedOut = true
        case 0x0F:  // SI: invoke G0
            charsets.shiftedOut = false
        default:
            break  // NUL, ENQ (no answerback), CAN/SUB (the parser already aborted), …
        }
    }

    /// `VTPerformer`: `ESC intermediates final`.
    mutating func escDispatch(intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        lastPrinted = nil
        guard !ignoring else { return }
        switch intermediates.count {
        case 0:
            escape(final)
        case 1:
            let intermediate = intermediates[0]
            switch intermediate {
            case UInt8(ascii: "("), UInt8(ascii: ")"):
                designate(final, intoG1: intermediate == UInt8(ascii: ")"))
            case UInt8(ascii: "#"):
                if final == UInt8(ascii: "8") { screenAlignmentTest() }
            default:
                break  // ESC SP F (S7C1T) and friends: nothing to do in UTF-8 mode
            }
        default:
            break
        }
    }

    private mutating func escape(_ final: UInt8) {
        switch final {
        case UInt8(ascii: "D"):  // IND
            index()
            cursor.pendingWrap = false
        case UInt8(ascii: "E"):  // NEL
            index()
            cursor.column = 0
            cursor.pendingWrap = false
        case UInt8(ascii: "H"):  // HTS
            tabStops.set(at: cursor.column)
        case UInt8(ascii: "M"):  // RI
            reverseIndex()
            cursor.pendingWrap = false
        case UInt8(ascii: "7"):  // DECSC
            saveCursor()
        case UInt8(ascii: "8"):  // DECRC
            restoreCursor()
        case UInt8(ascii: "c"):  // RIS
            fullReset()
        case UInt8(ascii: "="):  // DECKPAM
            modes.applicationKeypad = true
        case UInt8(ascii: ">"):  // DECKPNM
            modes.applicationKeypad = false
        default:
            break  // ESC \ (ST) ends strings and is otherwise nothing
        }
    }

    /// SCS: `ESC ( F` designates G0, `ESC ) F` G1.
    private mutating func designate(_ final: UInt8, intoG1: Bool) {
        let charset: Charset
        switch final {
        case UInt8(ascii: "0"): charset = .decSpecialGraphics
        case UInt8(ascii: "A"): charset = .unitedKingdom
        case UInt8(ascii: "B"): charset = .ascii
        default: return  // other national sets: not supported, keep the current one
        }
        if intoG1 { charsets.g1 = charset } else { charsets.g0 = charset }
    }

    /// DECALN (`ESC # 8`): fills the screen with `E`, resets the margins, homes the cursor.
    private mutating func screenAlignmentTest() {
        let letter = Cell(scalar: UInt32(UInt8(ascii: "E")))
        screen.clear(columns: columns, filling: letter)
        scrollTop = 0
        scrollBottom = rows - 1
        cursor = CursorPosition()
        damage.markRows(0, through: rows - 1)
    }

    // MARK: Saving the cursor

    /// DECSC: into the active screen's slot.
    mutating func saveCursor() {
        screen.savedCursor = SavedCursor(position: cursor, pen: pen, charsets: charsets,
                                         originMode: modes.originMode)
    }

    /// DECRC: from the active screen's slot; with nothing saved, home with
    /// default rendition (xterm). The position is clamped, since a resize may
    /// have happened since.
    mutating func restoreCursor() {
        guard let saved = screen.savedCursor else {
            cursor = CursorPosition()
            pen = .blank
            charsets = CharsetState()
            modes.originMode = false
            return
        }
        cursor.row = min(saved.position.row, rows - 1)
        cursor.column = min(saved.position.column, columns - 1)
        cursor.pendingWrap = saved.position.pendingWrap && saved.position.column == columns - 1 && modes.autowrap
        pen = saved.pen
        charsets = saved.charsets
        modes.originMode = saved.originMode
        // xterm restores through its origin-relative cursor positioning, which in
        // origin mode stops at the bottom margin: a cursor saved below a region
        // set since then comes back on the region's last line. (A row above the
        // top margin is kept, as in xterm.)
        if modes.originMode && cursor.row > scrollBottom {
            cursor.row = scrollBottom
            cursor.pendingWrap = false
        }
    }

    // MARK: Resets

    /// RIS: everything back to power-on state, except the scrollback, the title
    /// and the colours, which xterm keeps too (`reset` sends OSC 104 for colours),
    /// and what the host has not collected yet (replies, damage, bells).
    mutating func fullReset() {
        var fresh = TerminalCore(columns: columns, rows: rows, scrollbackLines: 0)
        fresh.scrollback = scrollback
        fresh.titleBytes = titleBytes
        fresh.titleChanged = titleChanged
        fresh.bellCount = bellCount
        fresh.palette = palette
        fresh.lineFeedReturnsCarriage = lineFeedReturnsCarriage
        fresh.defaultForeground = defaultForeground
        fresh.defaultBackground = defaultBackground
        fresh.responses = responses
        fresh.reportedCursor = reportedCursor
        fresh.damage = damage
        fresh.damage.markEverything()
        self = fresh
    }

    /// DECSTR (`CSI ! p`): the soft reset. Modes go back to their defaults
    /// (cursor shown, no insert, no origin mode, autowrap on as xterm's default
    /// is, normal cursor keys and keypad), margins to the full screen, rendition
    /// and character sets to defaults, and the saved cursor to home. The screen
    /// and cursor position stay.
    mutating func softReset() {
        modes.cursorVisible = true
        modes.insertMode = false
        modes.originMode = false
        modes.autowrap = true
        modes.applicationCursorKeys = false
        modes.applicationKeypad = false
        scrollTop = 0
        scrollBottom = rows - 1
        pen = .blank
        charsets = CharsetState()
        screen.savedCursor = SavedCursor(position: CursorPosition(), pen: .blank,
                                         charsets: CharsetState(), originMode: false)
        cursor.pendingWrap = false
    }
}
