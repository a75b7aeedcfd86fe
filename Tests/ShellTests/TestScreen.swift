/// A tiny terminal model for checking what the editor's output looks like:
/// printable text (UTF-8), CR, LF, BS, BEL, CSI K, CSI n C/D, CSI n P, CSI H, CSI 2 J,
/// and xterm's deferred wrap at the last column. Other CSI sequences are
/// ignored (e.g. SGR colours in a prompt).
struct TestScreen {
    let width: Int
    private(set) var rows: [[Unicode.Scalar]] = [[]]
    private(set) var row = 0
    private(set) var column = 0
    private(set) var bells = 0
    /// Characters written into the last column (the editor should avoid it while editing).
    private(set) var lastColumnWrites = 0
    private var pendingWrap = false

    private var utf8: [UInt8] = []
    private var utf8Remaining = 0
    private var inEscape = false
    private var inCSI = false
    private var csiParameters: [UInt8] = []

    init(width: Int = 80) {
        self.width = width
    }

    mutating func feed(_ bytes: [UInt8]) {
        for byte in bytes { feed(byte) }
    }

    mutating func feed(_ byte: UInt8) {
        if inCSI {
            if byte >= 0x40 && byte <= 0x7e {
                inCSI = false
                csi(final: byte)
            } else {
                csiParameters.append(byte)
            }
            return
        }
        if inEscape {
            inEscape = false
            if byte == UInt8(ascii: "[") {
                inCSI = true
                csiParameters = []
            }
            return
        }
        if utf8Remaining > 0 {
            utf8.append(byte)
            utf8Remaining -= 1
            if utf8Remaining == 0 {
                if let scalar = String(decoding: utf8, as: UTF8.self).unicodeScalars.first { put(scalar) }
            }
            return
        }
        switch byte {
        case 0x1b: inEscape = true
        case 0x0d: column = 0; pendingWrap = false
        case 0x0a: newRow(); pendingWrap = false
        case 0x08: column = max(0, column - 1); pendingWrap = false
        case 0x07: bells += 1
        case 0x00..<0x20, 0x7f: break
        case 0x20..<0x80: put(Unicode.Scalar(byte))
        case 0xc0..<0xe0: utf8 = [byte]; utf8Remaining = 1
        case 0xe0..<0xf0: utf8 = [byte]; utf8Remaining = 2
        case 0xf0..<0xf8: utf8 = [byte]; utf8Remaining = 3
        default: break
        }
    }

    private mutating func newRow() {
        row += 1
        while rows.count <= row { rows.append([]) }
    }

    private mutating func put(_ scalar: Unicode.Scalar) {
        if pendingWrap {
            newRow()
            column = 0
            pendingWrap = false
        }
        while rows[row].count <= column { rows[row].append(" ") }
        rows[row][column] = scalar
        if column == width - 1 {
            pendingWrap = true
            lastColumnWrites += 1
        } else {
            column += 1
        }
    }

    private mutating func csi(final: UInt8) {
        let text = String(decoding: csiParameters, as: UTF8.self)
        let count = max(1, Int(text) ?? 1)
        switch final {
        case UInt8(ascii: "K"):
            if rows[row].count > column { rows[row].removeSubrange(column...) }
        case UInt8(ascii: "P"):  // DCH: the rest of the row moves left
            if rows[row].count > column { rows[row].removeSubrange(column ..< min(rows[row].count, column + count)) }
        case UInt8(ascii: "C"): column = min(width - 1, column + count)
        case UInt8(ascii: "D"): column = max(0, column - count)
        case UInt8(ascii: "H"): row = 0; column = 0
        case UInt8(ascii: "J"):
            if text == "2" { rows = Array(repeating: [], count: rows.count) }
        default: break
        }
        pendingWrap = false
    }

    /// A row's text without trailing blanks.
    func text(ofRow index: Int) -> String {
        guard index >= 0, index < rows.count else { return "" }
        var scalars = rows[index]
        while scalars.last == " " { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// The row the cursor is on, exactly (blanks the editor wrote included).
    var currentRow: String { String(String.UnicodeScalarView(rows[row])) }

    /// Every row, trailing blanks removed.
    var lines: [String] { rows.indices.map { text(ofRow: $0) } }
}
