/// Why the environment could not read or write a file for the shell (a
/// redirection, `run`, a command's file argument).
public enum ShellFileError: Error, Equatable {
    case notFound(path: String)
    case isADirectory(path: String)
    case notADirectory(path: String)
    case readOnly(path: String)
    case noSpace(path: String)
    /// Anything else, in the file system's own words.
    case failed(path: String, reason: String)

    /// One line for the user, e.g. "/etc/motd: no such file or directory".
    public var message: String {
        switch self {
        case .notFound(let path): return path + ": no such file or directory"
        case .isADirectory(let path): return path + ": is a directory"
        case .notADirectory(let path): return path + ": not a directory"
        case .readOnly(let path): return path + ": read-only file system"
        case .noSpace(let path): return path + ": no space left on device"
        case .failed(let path, let reason): return path + ": " + reason
        }
    }
}
