/// Path arithmetic on "/"-separated paths, done by the shell so that the
/// environment only ever sees absolute, normalised paths.
public enum ShellPath {
    /// `path` made absolute against `directory`, with empty, `.` and `..`
    /// components resolved (`..` at the root stays at the root).
    public static func resolve(_ path: String, in directory: String) -> String {
        var components: [Substring] = []
        let isAbsolute = path.utf8.first == UInt8(ascii: "/")
        if !isAbsolute {
            for component in directory.split(separator: "/") { append(component, to: &components) }
        }
        for component in path.split(separator: "/") { append(component, to: &components) }
        var result = ""
        for component in components {
            result += "/"
            result += component
        }
        return result.isEmpty ? "/" : result
    }

    private static func append(_ component: Substring, to components: inout [Substring]) {
        if component == "." || component.isEmpty { return }
        if component == ".." {
            if !components.isEmpty { components.removeLast() }
            return
        }
        components.append(component)
    }
}
