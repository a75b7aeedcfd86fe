/// The kernel command line (`-append`), as `key=value` words and bare flags.
struct BootOptions {
    let words: [Substring]

    init(commandLine: String) {
        words = commandLine.split(separator: " ")
    }

    /// The value of the last `key=value` word, or nil.
    func value(of key: String) -> String? {
        var result: String? = nil
        for word in words {
            guard let equals = word.firstIndex(of: "=") else { continue }
            if word[word.startIndex..<equals] == key { result = String(word[word.index(after: equals)...]) }
        }
        return result
    }
}
