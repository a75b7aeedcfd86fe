/// One name in a directory listing, for `ShellPathCompletion`.
public struct ShellDirectoryEntry: Equatable {
    public var name: String
    public var isDirectory: Bool

    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// Path completion over any directory lister, so that an environment can
/// implement `completePath` in one line.
public enum ShellPathCompletion {
    /// Completions of `prefix` (as typed, relative to `directory` unless
    /// absolute): every entry of the prefix's directory whose name starts with
    /// the prefix's last component, as the whole word with "/" after
    /// directories, sorted. Names starting with "." only when asked for.
    /// `listDirectory` gets an absolute path and returns nil if it is not a
    /// readable directory.
    public static func candidates(for prefix: String, in directory: String,
                                  listDirectory: (String) -> [ShellDirectoryEntry]?) -> [String] {
        let bytes = Array(prefix.utf8)
        var split = bytes.count
        while split > 0 && bytes[split - 1] != UInt8(ascii: "/") { split -= 1 }
        let directoryPart = String(decoding: bytes[..<split], as: UTF8.self)
        let namePart = Array(bytes[split...])
        let listed = ShellPath.resolve(directoryPart.isEmpty ? "." : directoryPart, in: directory)
        guard let entries = listDirectory(listed) else { return [] }
        var result: [String] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            guard name.starts(with: namePart), !name.isEmpty else { continue }
            if name.first == UInt8(ascii: ".") && namePart.first != UInt8(ascii: ".") { continue }
            if entry.name == "." || entry.name == ".." { continue }
            result.append(directoryPart + entry.name + (entry.isDirectory ? "/" : ""))
        }
        result.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return result
    }
}

extension Shell {
    /// Tab completion for the line editor: candidates for the word before the
    /// scalar offset `cursor`. The first word of a command completes to
    /// command names; any other word (or one containing "/") to paths, from
    /// the environment.
    public func complete(_ line: String, cursor: Int) -> [String] {
        let word = CompletionWord.locate(in: line, cursor: cursor)
        let prefix = Array(word.text.utf8)
        if word.isCommandPosition && !prefix.contains(UInt8(ascii: "/")) {
            var names: [String] = []
            for command in commands where command.name.utf8.starts(with: prefix) { names.append(command.name) }
            names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return names
        }
        var paths = environment.completePath(word.text, in: currentDirectory)
        paths.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return paths
    }
}
