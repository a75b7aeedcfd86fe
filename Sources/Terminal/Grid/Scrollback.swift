/// Lines scrolled off the top of the main screen, oldest first, in a ring of
/// fixed capacity: when full, each new line evicts the oldest. Lines are stored
/// compacted (`Line.compacted`), so memory is about the text actually kept.
struct Scrollback {
    /// Most lines kept.
    let capacity: Int
    /// Ring storage; grows up to `capacity`, then wraps.
    private var storage: [Line] = []
    /// Index in `storage` of the oldest line once the ring has wrapped.
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { storage.count }

    /// Line `index`, 0 being the oldest.
    subscript(index: Int) -> Line {
        storage[physical(index)]
    }

    /// Line `index` from the newest: 0 is the line just above the screen.
    func line(fromNewest index: Int) -> Line {
        storage[physical(storage.count - 1 - index)]
    }

    /// Adds a compacted copy of `line` as the newest, evicting the oldest when
    /// full; the evicted line's storage holds the copy (a full ring scrolls
    /// without allocating).
    mutating func appendCompacted(_ line: Line) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(line.compacted())
        } else {
            storage[head].becomeCompacted(line)
            head = (head + 1) % capacity
        }
    }

    /// Adds `line` as the newest, evicting the oldest when full.
    mutating func append(_ line: Line) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[head] = line
            head = (head + 1) % capacity
        }
    }

    /// Removes and returns the newest line (reflow takes lines back onto the screen).
    mutating func removeNewest() -> Line? {
        guard !storage.isEmpty else { return nil }
        normalize()
        return storage.removeLast()
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }

    /// All lines, oldest first.
    var lines: [Line] {
        var result: [Line] = []
        result.reserveCapacity(storage.count)
        for index in 0 ..< storage.count { result.append(self[index]) }
        return result
    }

    private func physical(_ index: Int) -> Int {
        let position = head + index
        return position >= storage.count ? position - storage.count : position
    }

    /// Rotates the storage so the oldest line is at index 0.
    private mutating func normalize() {
        guard head != 0 else { return }
        storage = lines
        head = 0
    }
}
