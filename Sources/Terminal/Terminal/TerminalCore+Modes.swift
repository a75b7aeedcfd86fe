/// SM/RM and DECSET/DECRST, and the alternate screen.
extension TerminalCore {
    /// Sets or resets each mode listed in `parameters`.
    mutating func setModes(_ parameters: VTParameterView, isPrivate: Bool, to enabled: Bool) {
        for index in 0 ..< parameters.count {
            let mode = Int(parameters[index])
            if isPrivate {
                setPrivateMode(mode, enabled)
            } else {
                setStandardMode(mode, enabled)
            }
        }
    }

    private mutating func setStandardMode(_ mode: Int, _ enabled: Bool) {
        switch mode {
        case 4: modes.insertMode = enabled  // IRM
        case 20: modes.newLineMode = enabled  // LNM
        default: break
        }
    }

    private mutating func setPrivateMode(_ mode: Int, _ enabled: Bool) {
        switch mode {
        case 1:
            modes.applicationCursorKeys = enabled  // DECCKM
        case 5:  // DECSCNM
            if modes.reverseVideo != enabled {
                modes.reverseVideo = enabled
                damage.markEverything()
            }
        case 6:  // DECOM: the cursor goes to the (new) home position
            modes.originMode = enabled
            moveCursorHome()
        case 7:  // DECAWM
            modes.autowrap = enabled
            if !enabled { cursor.pendingWrap = false }
        case 9: setMouseTracking(.x10, enabled)
        case 12: cursorBlinking = enabled  // att610
        case 25: modes.cursorVisible = enabled  // DECTCEM
        case 47:  // alternate screen, nothing saved or cleared
            switchScreen(toAlternate: enabled)
        case 1000: setMouseTracking(.normal, enabled)
        case 1002: setMouseTracking(.buttonEvent, enabled)
        case 1003: setMouseTracking(.anyEvent, enabled)
        case 1004: modes.focusEvents = enabled
        case 1006: modes.sgrMouseEncoding = enabled
        case 1047:  // alternate screen; cleared when leaving it (xterm)
            if !enabled && modes.alternateScreen { clearScreen() }
            switchScreen(toAlternate: enabled)
        case 1048:  // save / restore the cursor
            if enabled { saveCursor() } else { restoreCursor() }
        case 1049:  // save the cursor, switch, clear; back: switch, restore
            if enabled {
                guard !modes.alternateScreen else { return }
                saveCursor()
                switchScreen(toAlternate: true)
                clearScreen()
            } else {
                guard modes.alternateScreen else { return }
                switchScreen(toAlternate: false)
                restoreCursor()
            }
        case 2004: modes.bracketedPaste = enabled
        default: break
        }
    }

    private mutating func setMouseTracking(_ tracking: TerminalModes.MouseTracking, _ enabled: Bool) {
        if enabled {
            modes.mouseTracking = tracking
        } else if modes.mouseTracking == tracking {
            modes.mouseTracking = .off
        }
    }

    /// Shows the alternate or the main screen. The cursor stays where it is; a
    /// scrolled-back view returns to the bottom.
    mutating func switchScreen(toAlternate alternate: Bool) {
        guard modes.alternateScreen != alternate else { return }
        swap(&screen, &inactiveScreen)
        modes.alternateScreen = alternate
        viewOffset = 0
        damage.markEverything()
    }

    private mutating func clearScreen() {
        screen.clear(columns: columns, filling: erasedCell)
        damage.markEverything()
    }

    /// The state of a mode as DECRQM reports it: 1 set, 2 reset, 0 unknown.
    func modeState(_ mode: Int, isPrivate: Bool) -> Int {
        func report(_ value: Bool) -> Int { value ? 1 : 2 }
        if !isPrivate {
            switch mode {
            case 4: return report(modes.insertMode)
            case 20: return report(modes.newLineMode)
            default: return 0
            }
        }
        switch mode {
        case 1: return report(modes.applicationCursorKeys)
        case 5: return report(modes.reverseVideo)
        case 6: return report(modes.originMode)
        case 7: return report(modes.autowrap)
        case 9: return report(modes.mouseTracking == .x10)
        case 12: return report(cursorBlinking)
        case 25: return report(modes.cursorVisible)
        case 47, 1047, 1049: return report(modes.alternateScreen)
        case 1000: return report(modes.mouseTracking == .normal)
        case 1002: return report(modes.mouseTracking == .buttonEvent)
        case 1003: return report(modes.mouseTracking == .anyEvent)
        case 1004: return report(modes.focusEvents)
        case 1006: return report(modes.sgrMouseEncoding)
        case 2004: return report(modes.bracketedPaste)
        default: return 0
        }
    }
}
