/// Splitting paths into names.
enum FATPath {
    /// The components of `path` as UTF-16: "/" separated, empty and "." components
    /// dropped, ".." removing the previous one (never going above the root).
    static func components(_ path: String) -> [[UInt16]] {
        var result: [[UInt16]] = []
        var current: [UInt16] = []
        func finish() {
            if current == [0x2E] || current.isEmpty {
                // "." or "//": nothing
            } else if current == [0x2E, 0x2E] {
                if !result.isEmpty { result.removeLast() }
            } else {
                result.append(current)
            }
            current.removeAll(keepingCapacity: true)
        }
        for unit in path.utf16 {
            if unit == 0x2F { finish() } else { current.append(unit) }
        }
        finish()
        return result
    }
}
