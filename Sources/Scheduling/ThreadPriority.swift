/// Who runs first when several threads are ready: interrupt bottom halves and
/// drivers above the console renderer, above the shell, above background work
/// (httpd), above the idle thread.
public struct ThreadPriority: Comparable, Sendable {
    public let level: Int

    public init(level: Int) {
        self.level = max(0, min(level, ThreadPriority.levels - 1))
    }

    public static let idle = ThreadPriority(level: 0)
    public static let background = ThreadPriority(level: 1)
    public static let shell = ThreadPriority(level: 2)
    public static let console = ThreadPriority(level: 3)
    public static let driver = ThreadPriority(level: 4)
    public static let levels = 5

    public static func < (lhs: ThreadPriority, rhs: ThreadPriority) -> Bool { lhs.level < rhs.level }

    public var name: StaticString {
        switch level {
        case 0: return "idle"
        case 1: return "background"
        case 2: return "shell"
        case 3: return "console"
        default: return "driver"
        }
    }
}
