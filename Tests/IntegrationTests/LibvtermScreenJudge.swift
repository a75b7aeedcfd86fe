import Foundation
import TerminalReference
import TestSupport

/// A judge of the console's pixels that shares no code with Lumen: libvterm
/// (Debian's libvterm-dev, through Sources/TerminalReference) interprets the
/// same bytes the console was given, and the screendump is cut into the cells
/// of the grid the kernel reports. Without knowing how a glyph looks, the
/// pixels must still agree with libvterm's cells:
/// - a cell libvterm leaves blank (default colours) is one flat colour, the
///   same for every blank cell;
/// - a written cell has ink (more than one colour);
/// - cells with the same character and attributes look exactly alike;
/// - printable ASCII characters that differ (same attributes) look different.
/// A character drawn in the wrong place, a missing line, a stale frame or a
/// wrong wrap breaks one of these.
struct LibvtermScreenJudge {
    let columns: Int
    let rows: Int
    let cellWidth: Int
    let cellHeight: Int

    /// Reads the grid from `font`'s answer, e.g. "font: 16 px, cell 10x19 pixels, 128x41 cells".
    init?(fontAnswer: String) {
        func pair(before word: String) -> (Int, Int)? {
            guard let range = fontAnswer.range(of: " " + word) else { return nil }
            let text = fontAnswer[..<range.lowerBound].split(separator: " ").last ?? ""
            let parts = text.split(separator: "x").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        guard let cell = pair(before: "pixels"), let grid = pair(before: "cells") else { return nil }
        (cellWidth, cellHeight) = cell
        (columns, rows) = grid
    }

    /// The problems found (empty: the screen agrees), with `bytes` the console's input.
    func problems(screen: PPMImage, bytes: [UInt8]) -> [String] {
        guard screen.width >= columns * cellWidth, screen.height >= rows * cellHeight else {
            return ["screen \(screen.width)x\(screen.height) is smaller than \(columns)x\(rows) cells"]
        }
        let terminal = reference_terminal_new(Int32(rows), Int32(columns), -1)!
        defer { reference_terminal_free(terminal) }
        bytes.withUnsafeBufferPointer { reference_terminal_feed(terminal, $0.baseAddress, $0.count) }
        var cursorRow: Int32 = 0, cursorColumn: Int32 = 0
        reference_terminal_cursor(terminal, &cursorRow, &cursorColumn)

        var problems: [String] = []
        var looks: [CellKey: (pixels: [UInt32], at: String)] = [:]
        var blank: (pixels: [UInt32], at: String)? = nil
        for row in 0 ..< rows {
            for column in 0 ..< columns where !(row == cursorRow && column == cursorColumn) {
                var cell = ReferenceCell()
                reference_terminal_cell(terminal, Int32(row), Int32(column), &cell)
                guard cell.chars.0 != 0xFFFF_FFFF else { continue }   // right half of a wide character
                let pixels = block(screen, row: row, column: column, width: Int(cell.width))
                let at = "row \(row) column \(column)"
                let key = CellKey(cell)
                let colours = Set(pixels).count
                if key.isDefaultBlank {
                    if colours != 1 { problems.append("\(at): blank in libvterm, \(colours) colours on screen") }
                    if let blank, blank.pixels != pixels {
                        problems.append("\(at): blank, but unlike the blank at \(blank.at)")
                    }
                    if blank == nil { blank = (pixels, at) }
                    continue
                }
                if key.isWritten, colours < 2 {
                    problems.append("\(at): '\(key.text)' in libvterm, no ink on screen")
                }
                if let seen = looks[key] {
                    if seen.pixels != pixels { problems.append("\(at): '\(key.text)' unlike the same cell at \(seen.at)") }
                } else {
                    looks[key] = (pixels, at)
                }
                if problems.count > 20 { return problems }
            }
        }
        // Different printable ASCII characters with the same attributes look different.
        var byLook: [LookKey: CellKey] = [:]
        for (key, look) in looks where key.isPrintableASCII {
            let lookKey = LookKey(pixels: look.pixels, attributes: key.attributes)
            if let other = byLook[lookKey], other.text != key.text {
                problems.append("'\(key.text)' at \(look.at) looks exactly like '\(other.text)'")
            }
            byLook[lookKey] = key
        }
        return problems
    }

    private func block(_ screen: PPMImage, row: Int, column: Int, width: Int) -> [UInt32] {
        var pixels: [UInt32] = []
        pixels.reserveCapacity(cellWidth * max(1, width) * cellHeight)
        let x0 = column * cellWidth, right = min(screen.width, x0 + cellWidth * max(1, width))
        for y in row * cellHeight ..< (row + 1) * cellHeight {
            for x in x0 ..< right { pixels.append(screen.pixel(x: x, y: y)) }
        }
        return pixels
    }

    /// What libvterm says a cell holds: its text and every attribute that changes its look.
    private struct CellKey: Hashable {
        var scalars: [UInt32]
        var attributes: [UInt32]

        init(_ cell: ReferenceCell) {
            let chars = [cell.chars.0, cell.chars.1, cell.chars.2, cell.chars.3, cell.chars.4, cell.chars.5]
            scalars = Array(chars.prefix { $0 != 0 })
            attributes = [UInt32(cell.width), UInt32(cell.bold), UInt32(cell.underline), UInt32(cell.italic),
                          UInt32(cell.reverse), UInt32(cell.strike), UInt32(cell.foregroundKind), cell.foreground,
                          UInt32(cell.backgroundKind), cell.background]
        }

        var isWritten: Bool { !scalars.isEmpty && scalars != [0x20] }
        /// Empty or a space, default colours, no attribute that draws on a blank.
        var isDefaultBlank: Bool {
            !isWritten && attributes[4] == 0 && attributes[2] == 0 && attributes[5] == 0
                && attributes[8] == UInt32(REFERENCE_COLOR_DEFAULT)
        }
        var isPrintableASCII: Bool { scalars.count == 1 && (0x21 ... 0x7E).contains(scalars[0]) }
        var text: String { String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init))) }
    }

    private struct LookKey: Hashable {
        var pixels: [UInt32]
        var attributes: [UInt32]
    }
}
