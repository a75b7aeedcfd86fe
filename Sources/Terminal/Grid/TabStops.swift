/// Horizontal tab stops, one flag per column; every 8th column by default (VT100).
struct TabStops {
    private var stops: [Bool]

    init(columns: Int) {
        stops = []
        reset(columns: columns)
    }

    /// Default stops at columns 8, 16, 24, …
    mutating func reset(columns: Int) {
        stops = [Bool](repeating: false, count: columns)
        var column = 8
        while column < columns {
            stops[column] = true
            column += 8
        }
    }

    /// Keeps existing stops; new columns get the default ones.
    mutating func resize(columns: Int) {
        let old = stops.count
        if columns < old {
            stops.removeLast(old - columns)
        } else {
            for column in old ..< columns { stops.append(column % 8 == 0 && column > 0) }
        }
    }

    mutating func set(at column: Int) {
        if column >= 0 && column < stops.count { stops[column] = true }
    }

    mutating func clear(at column: Int) {
        if column >= 0 && column < stops.count { stops[column] = false }
    }

    mutating func clearAll() {
        for index in stops.indices { stops[index] = false }
    }

    /// The next stop right of `column`, or the last column.
    func next(after column: Int) -> Int {
        var position = column + 1
        while position < stops.count {
            if stops[position] { return position }
            position += 1
        }
        return max(0, stops.count - 1)
    }

    /// The previous stop left of `column`, or column 0.
    func previous(before column: Int) -> Int {
        var position = min(column, stops.count) - 1
        while position > 0 {
            if stops[position] { return position }
            position -= 1
        }
        return 0
    }
}
