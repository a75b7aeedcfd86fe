/// Threads waiting for something (an interrupt, input, a lock), woken in the
/// order they came.
public final class WaitQueue {
    public let name: StaticString
    var waiters: [ScheduledThread] = []

    public init(name: StaticString) {
        self.name = name
    }

    public var isEmpty: Bool { waiters.isEmpty }
    public var count: Int { waiters.count }

    func remove(_ thread: ScheduledThread) {
        waiters.removeAll { $0 === thread }
    }
}
