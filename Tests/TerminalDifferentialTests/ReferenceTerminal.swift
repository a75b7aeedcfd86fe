import Terminal
import TerminalReference

/// libvterm (through the C harness in Sources/TerminalReference), the reference
/// emulator Lumen's `Terminal` is compared with.
final class ReferenceTerminal {
    private let handle: OpaquePointer

    init(columns: Int, rows: Int, scrollbackLines: Int = 0) {
        handle = reference_terminal_new(Int32(rows), Int32(columns), Int32(scrollbackLines))
    }

    deinit { reference_terminal_free(handle) }

    var rows: Int { Int(reference_terminal_rows(handle)) }
    var columns: Int { Int(reference_terminal_columns(handle)) }

    func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { reference_terminal_feed(handle, $0.baseAddress, $0.count) }
    }

    func feed(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBufferPointer { reference_terminal_feed(handle, $0.baseAddress, $0.count) }
    }

    var cursor: (row: Int, column: Int) {
        var row: Int32 = 0
        var column: Int32 = 0
        reference_terminal_cursor(handle, &row, &column)
        return (Int(row), Int(column))
    }

    var isCursorVisible: Bool { reference_terminal_cursor_visible(handle) != 0 }
    var isAlternateScreen: Bool { reference_terminal_alternate_screen(handle) != 0 }
    var isCursorBlinking: Bool { reference_terminal_cursor_blinking(handle) != 0 }
    var isReverseVideo: Bool { reference_terminal_reverse_video(handle) != 0 }

    /// DECSCUSR's shape in Lumen's terms.
    var cursorShape: CursorShape {
        switch reference_terminal_cursor_shape(handle) {
        case 2: return .underline  // VTERM_PROP_CURSORSHAPE_UNDERLINE
        case 3: return .bar  // VTERM_PROP_CURSORSHAPE_BAR_LEFT
        default: return .block
        }
    }
    var bellCount: Int { Int(reference_terminal_bell_count(handle)) }
    var title: String { String(cString: reference_terminal_title(handle)) }

    func takeOutput() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBufferPointer {
                reference_terminal_take_output(handle, $0.baseAddress, $0.count)
            }
            result += buffer[0 ..< count]
            if count < buffer.count { return result }
        }
    }

    func cell(row: Int, column: Int) -> CellState {
        var raw = ReferenceCell()
        reference_terminal_cell(handle, Int32(row), Int32(column), &raw)
        return CellState(reference: raw)
    }

    var scrollbackPushed: Int { Int(reference_terminal_scrollback_pushed(handle)) }
    var scrollbackCount: Int { Int(reference_terminal_scrollback_count(handle)) }

    func scrollbackCell(line: Int, column: Int) -> CellState {
        var raw = ReferenceCell()
        reference_terminal_scrollback_cell(handle, Int32(line), Int32(column), &raw)
        return CellState(reference: raw)
    }
}

extension CellState {
    /// A libvterm cell in the common model: an empty cell (chars[0] == 0) is a
    /// space; the right half of a wide character (chars[0] == 0xFFFFFFFF) has
    /// width 0 and no text.
    init(reference raw: ReferenceCell) {
        let chars = raw.chars
        if chars.0 == 0xFFFF_FFFF {
            scalars = []
            width = 0
        } else if chars.0 == 0 {
            scalars = [0x20]
            width = 1
        } else {
            // D1: a base and at most two marks, what Lumen keeps.
            scalars = [chars.0]
            if chars.1 != 0 {
                scalars.append(chars.1)
                if chars.2 != 0 { scalars.append(chars.2) }
            }
            width = Int(raw.width)
        }
        bold = raw.bold != 0
        italic = raw.italic != 0
        underline = raw.underline != 0
        blink = raw.blink != 0
        inverse = raw.reverse != 0
        strike = raw.strike != 0
        foreground = CellState.color(kind: raw.foregroundKind, value: raw.foreground)
        background = CellState.color(kind: raw.backgroundKind, value: raw.background)
    }

    private static func color(kind: UInt8, value: UInt32) -> TerminalColor {
        switch kind {
        case 1: return .indexed(UInt8(truncatingIfNeeded: value))  // REFERENCE_COLOR_INDEXED
        case 2: return .rgb(value)  // REFERENCE_COLOR_RGB
        default: return .default
        }
    }
}
