/// Rewrapping text at a new width: what makes a resize keep paragraphs intact
/// instead of cutting every line at the new edge.
///
/// Physical lines joined by autowrap (`Line.isWrapped`) form one logical line;
/// each logical line is stripped of trailing blanks, then cut into pieces of the
/// new width. A wide character never straddles two lines: when it would, the
/// piece ends one column early with a wrap-padding cell (as printing does), and
/// padding is dropped again when lines are rejoined.
enum Reflow {
    /// A position to carry through the rewrap: a line index into the list, a
    /// column, and whether a wrap is pending (the cursor is then logically one
    /// past `column`).
    struct Position: Equatable {
        var line: Int
        var column: Int
        var pendingWrap: Bool
    }

    /// Rewraps `lines` (oldest first) to `columns`. The result's lines are at most
    /// `columns` wide, unpadded. `position`, if any, is updated to the same
    /// character's new place.
    static func rewrap(_ lines: [Line], columns: Int, tracking position: inout Position?) -> [Line] {
        var output: [Line] = []
        output.reserveCapacity(lines.count)
        var logical: [Cell] = []
        var mapped: Position?
        var next = 0
        while next < lines.count {
            // Gather one logical line.
            logical.removeAll(keepingCapacity: true)
            var target: Int?  // the tracked position as an offset into `logical`
            while next < lines.count {
                let line = lines[next]
                var length = line.cells.count
                if line.isWrapped && length > 0 && line.cells[length - 1].isWrapPadding { length -= 1 }
                if let position, position.line == next {
                    let column = min(position.column, max(length - 1, 0))
                    target = logical.count + column + (position.pendingWrap ? 1 : 0)
                }
                logical.append(contentsOf: line.cells[0 ..< length])
                next += 1
                if !line.isWrapped { break }
            }

            // Trailing blanks go, except up to the tracked position (the cursor
            // may sit after spaces the user typed).
            var end = logical.count
            while end > 0 && logical[end - 1].isBlank { end -= 1 }
            if let target { end = max(end, min(target, logical.count)) }

            // Cut it into pieces of `columns` cells.
            var start = 0
            repeat {
                var stop = min(start + columns, end)
                var padded = false
                if stop < end && logical[stop].width == 0 && stop - 1 > start {
                    stop -= 1  // the wide character at stop-1 moves to the next piece
                    padded = true
                }
                var piece = Line(cells: Array(logical[start ..< stop]), isWrapped: stop < end)
                if padded {
                    var padding = Cell.blank
                    padding.isWrapPadding = true
                    piece.cells.append(padding)
                }
                if let offset = target, mapped == nil, offset < stop || (offset >= stop && stop >= end) {
                    var column = offset - start
                    var pending = false
                    if column >= columns {
                        column = columns - 1
                        pending = true
                    }
                    mapped = Position(line: output.count, column: column, pendingWrap: pending)
                }
                output.append(piece)
                start = stop
            } while start < end
        }
        if position != nil { position = mapped ?? Position(line: max(output.count - 1, 0), column: 0, pendingWrap: false) }
        return output
    }
}
