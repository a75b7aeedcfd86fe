/// The lines the user entered, oldest first, with the Up/Down walk through
/// them. Bounded so that a long session (or a large history file) cannot eat
/// the kernel heap.
public struct History {
    public static let defaultCapacity = 500

    /// At most this many entries are kept; adding more forgets the oldest.
    public let capacity: Int
    public private(set) var entries: [String] = []

    /// Where Up/Down has got to: an index into `entries`, or nil when the user
    /// is on the new line (not walking the history).
    public private(set) var position: Int? = nil
    /// The line that was being typed when the walk began; Down past the newest
    /// entry brings it back.
    public private(set) var draft: String = ""
    /// Counts changes to `entries`, so an owner can tell when to save them.
    public private(set) var revision = 0

    public init(capacity: Int = History.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Records a submitted line. Blank lines and a repeat of the newest entry
    /// are skipped (returns false). Line breaks become spaces so that every
    /// entry stays one line of the history file.
    @discardableResult
    public mutating func add(_ line: String) -> Bool {
        var scalars = String.UnicodeScalarView()
        var blank = true
        for scalar in line.unicodeScalars {
            if scalar == "\n" || scalar == "\r" {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
                if scalar != " " && scalar != "\t" { blank = false }
            }
        }
        guard !blank else { return false }
        let entry = String(scalars)
        if let last = entries.last, last == entry { return false }
        entries.append(entry)
        revision &+= 1
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        return true
    }

    public mutating func clear() {
        entries.removeAll()
        revision &+= 1
        resetNavigation()
    }

    /// Back to the new line: the next Up starts from the newest entry.
    public mutating func resetNavigation() {
        position = nil
        draft = ""
    }

    /// Up: the entry before the current one, or nil at the oldest (or with no
    /// history). `current` is the line on screen; it is kept as the draft when
    /// the walk starts.
    public mutating func previous(current: String) -> String? {
        let target: Int
        if let position {
            target = position - 1
        } else {
            target = entries.count - 1
        }
        guard target >= 0, target < entries.count else { return nil }
        if position == nil { draft = current }
        position = target
        return entries[target]
    }

    /// Down: the entry after the current one; past the newest, the draft. Nil
    /// when not walking the history.
    public mutating func next() -> String? {
        guard let position else { return nil }
        let target = position + 1
        if target < entries.count {
            self.position = target
            return entries[target]
        }
        let line = draft
        resetNavigation()
        return line
    }

    // MARK: - The history file

    /// The file body: one entry per line, each ending in LF.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes.append(contentsOf: entry.utf8)
            bytes.append(0x0a)
        }
        return bytes
    }

    /// Entries from a file body written by `serialized()` (or by hand: CR LF
    /// line ends and blank lines are fine, bad UTF-8 becomes U+FFFD). Only the
    /// newest `capacity` entries are kept.
    public static func parse(_ bytes: [UInt8], capacity: Int = History.defaultCapacity) -> History {
        var history = History(capacity: capacity)
        var start = 0
        var index = 0
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == 0x0a {
                var end = index
                if end > start && bytes[end - 1] == 0x0d { end -= 1 }
                if end > start { history.add(String(decoding: bytes[start..<end], as: UTF8.self)) }
                start = index + 1
            }
            index += 1
        }
        return history
    }
}
